"""Anonymous figures for coordinators: volumes, the funnel, drop-off and time to first contact."""

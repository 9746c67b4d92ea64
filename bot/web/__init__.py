"""The staff web inbox: a Starlette app with server-rendered Jinja2 pages, no JavaScript build."""

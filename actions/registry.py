"""The actions Rasa may call; the SDK registers every Action subclass it finds here."""
from actions.handoff import ActionRequestHuman  # noqa: F401
from actions.intake_actions import (  # noqa: F401
    ASK_ACTIONS,
    ActionAfterIntake,
    ActionExplainQuestion,
    ActionFallback,
    ActionGoBack,
    ActionRestartIntake,
    ActionSubmitIntake,
)
from actions.intake_form import ValidateIntakeForm  # noqa: F401

"""Check-in reminders: the `CheckInReminder` object and the agents' tool that schedules one.

One object per booking and session (key "<confirmation>@<session>"). `schedule` reads the booking
and sends `fire` to itself CHECKIN_REMINDER_DELAY_S later, a delayed call that restate-server
holds through restarts ("scheduled" in the UI). `fire` mails the passenger and posts the reminder
into the conversation through `AgentSession/notify`, once.
"""

from datetime import UTC, datetime, timedelta

import restate
from agents import RunContextWrapper
from restate import ObjectContext, ObjectSharedContext, TerminalError
from restate.ext.openai import restate_object_context

from airline_contracts.errors import NOT_FOUND
from airline_contracts.formats import confirmation_number as canonical
from airline_contracts.formats import not_a_confirmation
from airline_contracts.invoicing import Mail, deliver
from airline_contracts.seating import get as get_booking
from airline_contracts.sessions import Notice, notify
from durable_agents import durable_tool, is_cancellation, together

from . import config
from .models import AirlineContext, CheckInReminderState, CheckInRequest

checkin_reminder = restate.VirtualObject("CheckInReminder")

# Restate's logger drops lines while a handler replays its journal: each event is logged once.
logger = restate.getLogger(__name__)


def reminder_key(confirmation_number: str, session_id: str) -> str:
    """The key of the reminder for a booking, asked for in a session."""
    return f"{confirmation_number}@{session_id}"


def in_words(seconds: float) -> str:
    """A delay as people say it: "in 24 hours", "in 10 seconds"."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if (seconds >= size and seconds % size == 0) or seconds >= 2 * size:
            count = round(seconds / size)
            return f"in {count} {unit}{'' if count == 1 else 's'}"
    count = round(seconds)
    return f"in {count} second{'' if count == 1 else 's'}"


def reminder_text(state: CheckInReminderState) -> str:
    """What the passenger is told when the reminder fires."""
    return (
        f"Reminder: check-in for flight {state.flight} (booking {state.confirmation_number}) "
        "is open. Please check in before you go to the airport."
    )


@checkin_reminder.handler(ingress_private=True)
async def schedule(ctx: ObjectContext, request: CheckInRequest) -> CheckInReminderState:
    """Schedule the reminder for the booking; asking again keeps the one already scheduled."""
    existing = await ctx.get("reminder", type_hint=CheckInReminderState)
    if existing is not None and existing.status == "scheduled":
        return existing.model_copy(update={"already_scheduled": True})
    booking = await ctx.object_call(get_booking, key=request.confirmation_number, arg=None)
    now = await ctx.time()
    delay = timedelta(seconds=config.CHECKIN_REMINDER_DELAY_S)
    handle = ctx.object_send(fire, key=ctx.key(), arg=None, send_delay=delay)
    state = CheckInReminderState(
        session_id=request.session_id,
        confirmation_number=booking.confirmation_number,
        passenger_name=booking.passenger_name,
        email=booking.email,
        flight=booking.flight,
        due=(datetime.fromtimestamp(now, UTC) + delay).isoformat(timespec="seconds"),
        reminder_id=await handle.invocation_id(),
    )
    ctx.set("reminder", state)
    logger.info("check-in reminder %s scheduled for %s", ctx.key(), state.due)
    return state


@checkin_reminder.handler(ingress_private=True)
async def fire(ctx: ObjectContext) -> None:
    """Mail the passenger and tell the conversation; a retry or replay does neither twice."""
    state = await ctx.get("reminder", type_hint=CheckInReminderState)
    if state is None or state.status != "scheduled":
        return
    text = reminder_text(state)
    mail = Mail(
        mail_id=f"CHECKIN-{ctx.key()}",
        to=state.email,
        subject=f"Time to check in for flight {state.flight}",
        body=f"Dear {state.passenger_name},\n\n{text}",
    )
    await ctx.object_call(deliver, key=state.email, arg=mail)
    # Through the contract: the session's module imports this one (through the agents' tools).
    ctx.object_send(notify, key=state.session_id, arg=Notice(text=text, source="checkin-reminder"))
    state.status = "sent"
    ctx.set("reminder", state)
    logger.info("check-in reminder %s sent", ctx.key())


# Private: a reminder names the booking and its session; only services read it.
@checkin_reminder.handler(kind="shared", ingress_private=True)
async def get(ctx: ObjectSharedContext) -> CheckInReminderState:
    """The reminder: booking, when it is due, whether it went out."""
    state = await ctx.get("reminder", type_hint=CheckInReminderState)
    if state is None:
        raise TerminalError(f"There is no check-in reminder {ctx.key()}.", status_code=NOT_FOUND)
    return state


@durable_tool
async def schedule_checkin_reminder(
    context: RunContextWrapper[AirlineContext], confirmation_number: str
) -> str:
    """Remind the passenger to check in for the flight of a booking, by e-mail and in this chat.

    Args:
        confirmation_number: The booking's confirmation number.
    """
    number = canonical(confirmation_number)
    if number is None:
        return not_a_confirmation(confirmation_number)
    ctx = restate_object_context()
    session = ctx.key()
    try:
        reminder = await together(
            context,
            ctx.object_call(
                schedule,
                key=reminder_key(number, session),
                arg=CheckInRequest(session_id=session, confirmation_number=number),
            ),
        )
    except TerminalError as error:
        if is_cancellation(error):
            raise
        return f"No reminder was scheduled: {error.message}"
    # Knowing a booking number is no proof of whose it is: the session learns the flight,
    # not the passenger's name or address (the mail goes to the address on the booking).
    context.context.about(number).flight_number = reminder.flight
    when = f"{reminder.due.replace('T', ' ').replace('+00:00', '')} UTC"
    if reminder.already_scheduled:
        return f"A check-in reminder for flight {reminder.flight} is already scheduled for {when}."
    return (
        f"Check-in reminder scheduled for flight {reminder.flight} (booking {number}) "
        f"{in_words(config.CHECKIN_REMINDER_DELAY_S)}, at {when}: it will be mailed to the "
        "passenger's address on the booking and posted in this conversation."
    )

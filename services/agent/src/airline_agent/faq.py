"""The airline's FAQ: baggage and wifi answered here, the cabin from seating's layout.

Facts about seats (how many, which rows are premium or exit rows) have one source, seating's
cabin data, reached through its contract (`Cabin/layout`); this module only words them.
"""

from airline_contracts.formats import row_ranges
from airline_contracts.seating import CabinLayout

ANSWERS = {
    "baggage": (
        "You may bring one carry-on bag on the plane. It must weigh under 50 pounds "
        "and measure at most 22 x 14 x 9 inches."
    ),
    "wifi": "We have free wifi on the plane; join the network Airline-Wifi.",
}
SEATS = "seats"  # the topic answered from the cabin layout

# Checked in this order: "wifi on the plane" is about wifi, not about the plane's seats.
KEYWORDS = {
    "baggage": ("bag", "baggage", "luggage", "suitcase", "carry-on", "carry on"),
    "wifi": ("wifi", "wi-fi", "internet", "network"),
    SEATS: (
        *("how many seats", "seats on", "seats are", "seats does", "seat map", "exit row"),
        *("exit seat", "emergency exit", "business class", "premium", "legroom", "leg room"),
        *("which rows", "what rows", "rows are"),
    ),
}

UNKNOWN = "I'm sorry, I don't know the answer to that question."


def topic_of(question: str) -> str | None:
    """The FAQ topic a question is about, if any."""
    lowered = question.lower()
    for topic, words in KEYWORDS.items():
        if any(word in lowered for word in words):
            return topic
    return None


def lookup(question: str) -> str | None:
    """The answer for a question that needs no data from elsewhere; None for the cabin."""
    topic = topic_of(question)
    if topic == SEATS:
        return None
    return ANSWERS[topic] if topic else UNKNOWN


def seats_answer(layout: CabinLayout) -> str:
    """What the cabin looks like, in the customer's words."""
    last = layout.letters[-1]
    return (
        f"There are {layout.seats} seats on the plane: rows 1-{layout.rows}, seats "
        f"{layout.letters[0]}-{last}. Rows {row_ranges(layout.premium_rows)} are premium "
        f"(business class) and rows {row_ranges(layout.exit_rows)} are exit rows with extra "
        "legroom; moving into a premium or exit-row seat needs a supervisor's approval."
    )

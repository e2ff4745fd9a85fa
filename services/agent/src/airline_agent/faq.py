"""The airline's FAQ, answered locally (no service call, nothing to journal)."""

ANSWERS = {
    "baggage": (
        "You may bring one carry-on bag on the plane. It must weigh under 50 pounds "
        "and measure at most 22 x 14 x 9 inches."
    ),
    "seats": (
        "There are 180 seats on the plane: rows 1-30, seats A-F. Rows 1-4 are business class "
        "and rows 12 and 13 are exit rows with extra legroom."
    ),
    "wifi": "We have free wifi on the plane; join the network Airline-Wifi.",
}

# Checked in this order: "wifi on the plane" is about wifi, not about the plane's seats.
KEYWORDS = {
    "baggage": ("bag", "baggage", "luggage", "suitcase", "carry-on", "carry on"),
    "wifi": ("wifi", "wi-fi", "internet", "network"),
    "seats": ("how many seats", "seats on", "seats are", "exit row", "business class"),
}

UNKNOWN = "I'm sorry, I don't know the answer to that question."


def topic_of(question: str) -> str | None:
    """The FAQ topic a question is about, if any."""
    lowered = question.lower()
    for topic, words in KEYWORDS.items():
        if any(word in lowered for word in words):
            return topic
    return None


def lookup(question: str) -> str:
    """The FAQ answer for a question."""
    topic = topic_of(question)
    return ANSWERS[topic] if topic else UNKNOWN

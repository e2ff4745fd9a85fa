"""The reference design: Restate's OpenAI integration used as its documentation shows."""

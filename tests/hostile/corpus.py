"""Values an attacker sends, shared by every module of the hostile suite.

Written down by hand, independently of the code under test: the edges of
dates and integers that databases and ``datetime`` cannot hold, text that
breaks encoders, markup that must stay text, and paths that must stay paths.
"""

from hypothesis import strategies as st

#: Dates at and beyond the edges of what ``datetime`` and the databases hold.
DATE_EDGES = [
    "0001-01-01", "0001-01-02", "0000-01-01", "1969-12-31", "1970-01-01", "2038-01-19",
    "9999-12-31", "9999-12-30", "10000-01-01", "2024-02-30", "2024-13-01", "2024-00-10",
    "2024-1-1", "-2024-01-01", "0001-01-01T00:00:00", "9999-12-31T23:59:59",
    "9999-12-31T23:59:59+14:00", "0001-01-01T00:00:00-12:00", "2024-06-01T25:00:00",
]  # fmt: skip

#: Years: the edges of ``datetime`` and of 32/64-bit integers.
YEAR_EDGES = ["0", "1", "-1", "9999", "10000", "2147483647", "2147483648",
              "9223372036854775807", "9223372036854775808", "-9223372036854775809",
              "1e9", "0x10", "１９９９"]  # fmt: skip

#: Integers for page numbers and primary keys.
INTEGER_EDGES = ["0", "-1", "1.5", "2147483648", "9223372036854775808", str(10**30),
                 "9" * 5000, "NaN", "inf", "+1", " 1", "1 "]  # fmt: skip

#: Text that breaks encoders, parsers and naive escaping.
TEXT = [
    "\x00", "%00", "moldova\x00", "\ud800", "\udfff", "\ufeff", "\u202e\u200b", "ß" * 200,
    "😀", "a" * 10_000, "'; DROP TABLE press_pressrelease; --", '"unclosed', "-", "--", "!!",
    "a & b | c", "AT&T", "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)", "../../etc/passwd", "%", "%%", "\\", "relevance", "\r\nSet-Cookie: x=1",
    "${7*7}", "{{7*7}}", "participating-states",
]  # fmt: skip

NASTY = DATE_EDGES + YEAR_EDGES + INTEGER_EDGES + TEXT


def wire(value: str) -> bytes:
    """The bytes a client puts on the wire: UTF-8, lone surrogates included."""
    return value.encode("utf-8", "surrogatepass")


#: Any of the above, or anything Hypothesis makes up.
nasty_text = st.one_of(st.text(max_size=300), st.sampled_from(NASTY))

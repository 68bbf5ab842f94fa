"""Comma-separated option values (``--models a,b``, ``--source E003,E123``), read one way."""


def comma_names(text, option):
    """The names in ``text``, in order; an empty list or a name given twice is an error.

    Examples
    --------
    >>> comma_names(" E003, E123 ", "--source")
    ('E003', 'E123')
    """
    names = tuple(part.strip() for part in str(text).split(",") if part.strip())
    if not names:
        raise ValueError(f"{option} is empty; give comma-separated names.")
    if len(set(names)) != len(names):
        raise ValueError(f"{option} names a value twice: {text!r}.")
    return names

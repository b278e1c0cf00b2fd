"""The command-line tools as importable modules, each with ``main(argv=None)``.

``tools/<name>.py`` are thin wrappers around them (their command lines are the documented
ones); the recipe runner launches them as ``python -m futureseg.cli.<name>``, so it works
from an installed package as well as from a source checkout. A layer above ``apis`` (the
tools use it); outside ``futureseg.apis`` so that a tool that needs little (the data
generator) does not import the inference and recipe APIs at start-up.
"""

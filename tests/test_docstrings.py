"""Each registered component's class docstring is its config reference (issue 17): an
``Args:`` section in mmsegmentation's form, one entry per constructor argument, in the
signature's order, each with a type and with ``Default: X`` equal to the signature's default
(required arguments have none). The recipe stages (``futureseg/apis/recipe*``) are left out."""
import inspect
import re

import pytest
from mmengine.registry import Registry

import futureseg.registry as registry
from futureseg.apis import register_all_modules

register_all_modules()

ENTRY = re.compile(r'(\*{0,2}\w+)(?: \((.+?)\))?: (.*)')


def registered_classes():
    seen = {}
    for reg in vars(registry).values():
        if not isinstance(reg, Registry):
            continue
        for cls in reg.module_dict.values():
            mod = cls.__module__
            if mod.startswith('futureseg') and not mod.startswith('futureseg.apis.recipe'):
                seen[f'{mod}.{cls.__qualname__}'] = cls
    return sorted(seen.items())


def args_entries(doc):
    """{name: (type, text)} of the Args section, or None without one."""
    lines = doc.splitlines()
    try:
        start = next(k for k, line in enumerate(lines) if line.strip() == 'Args:')
    except StopIteration:
        return None
    head = len(lines[start]) - len(lines[start].lstrip())
    body = []
    for line in lines[start + 1:]:
        if line.strip() and len(line) - len(line.lstrip()) <= head:
            break
        body.append(line)
    indent = min(len(line) - len(line.lstrip()) for line in body if line.strip())
    entries, name = {}, None
    for line in body:
        if line.strip() and len(line) - len(line.lstrip()) == indent:
            m = ENTRY.fullmatch(line.strip())
            assert m, f'not an Args entry: {line.strip()!r}'
            name = m.group(1)
            entries[name] = [m.group(2), m.group(3)]
        elif name and line.strip():
            entries[name][1] += ' ' + line.strip()
    return entries


def same_default(text, value):
    text = text.strip('`')
    if text == repr(value):
        return True
    try:
        return eval(text, {'dict': dict}) == value
    except Exception:
        return False


@pytest.mark.parametrize('name, cls', registered_classes(), ids=lambda x: x if isinstance(x, str) else '')
def test_args_section_matches_the_signature(name, cls):
    if cls.__init__ is object.__init__:
        return  # nothing to configure (e.g. PackVideoInputs, ChannelsLastHook)
    params = [p for p in inspect.signature(cls.__init__).parameters.values() if p.name != 'self']
    entries = args_entries(inspect.getdoc(cls) or '')
    assert entries is not None, f'{name}: no Args section'
    star = {inspect.Parameter.VAR_POSITIONAL: '*', inspect.Parameter.VAR_KEYWORD: '**'}
    assert list(entries) == [star.get(p.kind, '') + p.name for p in params], name
    for p in params:
        if p.kind in star:
            continue
        typ, text = entries[p.name]
        assert typ, f'{name}.{p.name}: no type'
        default = re.search(r'Default: (.+?)\.?(?:$|\. )', text)
        if p.default is inspect.Parameter.empty:
            assert default is None, f'{name}.{p.name} is required but documents a default'
        else:
            assert default, f'{name}.{p.name}: no "Default: {p.default!r}"'
            assert same_default(default.group(1), p.default), \
                f'{name}.{p.name}: documented {default.group(1)}, signature {p.default!r}'

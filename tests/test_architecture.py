"""The layering of docs/architecture.md, enforced: every import of every futureseg module
(module-level or inside a function) goes to its own package or a lower layer."""
import ast
import os.path as osp
import re
from pathlib import Path

from conftest import ROOT

PACKAGE = Path(ROOT) / 'futureseg'


def documented_layers():
    """{package: layer number} from the table in docs/architecture.md."""
    text = (Path(ROOT) / 'docs' / 'architecture.md').read_text()
    layers = {}
    for m in re.finditer(r'^\| (\d) \| ([^|]+) \|', text, re.M):
        for name in re.findall(r'`(\w+)`', m.group(2)):
            layers[name] = int(m.group(1))
    return layers


def imports_of(path: Path, module: str):
    """(line, imported futureseg module) of every import in a file, relative ones resolved."""
    is_pkg = path.name == '__init__.py'
    parts = module.split('.')
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = parts if is_pkg else parts[:-1]
                base = base[:len(base) - (node.level - 1)]
                yield node.lineno, '.'.join(base + ([node.module] if node.module else []))
            else:
                yield node.lineno, node.module or ''


def package_of(module: str):
    parts = module.split('.')
    return parts[1] if len(parts) > 1 else None


def test_every_package_has_a_documented_layer():
    layers = documented_layers()
    found = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / '__init__.py').exists()}
    found |= {p.stem for p in PACKAGE.glob('*.py') if p.stem != '__init__'}
    assert found <= set(layers), f'give these a layer in docs/architecture.md: {sorted(found - set(layers))}'
    assert len(set(layers.values())) >= 4


def test_no_module_imports_a_higher_or_sibling_layer():
    layers = documented_layers()
    bad = []
    for path in sorted(PACKAGE.rglob('*.py')):
        rel = path.relative_to(PACKAGE.parent).with_suffix('')
        module = '.'.join(rel.parts[:-1] if path.name == '__init__.py' else rel.parts)
        own = package_of(module)
        if own is None:  # futureseg/__init__.py: the version only
            continue
        for line, target in imports_of(path, module):
            if not target.startswith('futureseg'):
                continue
            other = package_of(target)
            if other in (None, own):
                continue
            if layers[other] >= layers[own]:
                bad.append(f'{path.relative_to(ROOT)}:{line} ({own}, layer {layers[own]}) imports '
                           f'{target} ({other}, layer {layers[other]})')
    assert not bad, 'imports against the layering of docs/architecture.md:\n' + '\n'.join(bad)


def test_the_checker_sees_function_level_imports(tmp_path):
    src = tmp_path / 'futureseg' / 'models' / 'x.py'
    src.parent.mkdir(parents=True)
    src.write_text('def f():\n    from futureseg.apis import init_model\n    from ..engine import hooks\n')
    found = [t for _, t in imports_of(src, 'futureseg.models.x')]
    assert found == ['futureseg.apis', 'futureseg.engine']
    assert osp.isfile(osp.join(ROOT, 'docs', 'architecture.md'))

"""Pictures of confusion matrices: the 49 classes, and the shape / material / colour
confusions on the object pixels found (computed by ``futureseg.evaluation.attribute_confusions``:
this module only draws)."""
import numpy as np

from futureseg.structures.metainfo import CLASS_NAMES, COLORS, MATERIALS, SHAPES


def _normalised(cm):
    """Rows (true classes) as fractions; empty rows stay 0."""
    cm = np.asarray(cm, np.float64)
    total = cm.sum(1, keepdims=True)
    return np.divide(cm, total, out=np.zeros_like(cm), where=total > 0)


def _panel(ax, cm, labels, title, annotate=True, fontsize=7):
    import matplotlib.pyplot as plt
    frac = _normalised(cm)
    image = ax.imshow(frac, cmap='Blues', vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=fontsize)
    ax.set_yticks(range(len(labels)), labels, fontsize=fontsize)
    ax.set_xlabel('predicted')
    ax.set_ylabel('true')
    ax.set_title(title)
    if annotate:
        for i in range(len(labels)):
            for j in range(len(labels)):
                ax.text(j, i, f'{frac[i, j]:.2f}', ha='center', va='center', fontsize=fontsize,
                        color='white' if frac[i, j] > 0.5 else 'black')
    plt.colorbar(image, ax=ax, fraction=0.046)


def draw_confusion(confusion: np.ndarray, attrs: dict, class_file: str, attribute_file: str,
                   title: str = '') -> None:
    """Save pictures of confusion matrices.

    Args:
        confusion (np.ndarray): (49, 49) counts, rows true; drawn rows-normalised (each true
            class's pixels by predicted class) to ``class_file``.
        attrs (dict): 'shape', 'material' and 'color' matrices (``attribute_confusions``),
            drawn to ``attribute_file``.
        class_file (str): PNG of the class matrix.
        attribute_file (str): PNG of the attribute matrices.
        title (str): prefix of the titles. Default ''.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(14, 13))
    _panel(ax, confusion, CLASS_NAMES, f'{title} classes (rows: fraction of the true class)'.strip(),
           annotate=False, fontsize=6)
    fig.tight_layout()
    fig.savefig(class_file, dpi=110)
    plt.close(fig)
    fig, axes = plt.subplots(1, 3, figsize=(17, 5.5), gridspec_kw=dict(width_ratios=[3, 2, 8]))
    for ax, (name, labels) in zip(axes, (('shape', SHAPES), ('material', MATERIALS), ('color', COLORS))):
        cm = attrs[name]
        acc = np.trace(cm) / cm.sum() if cm.sum() else float('nan')
        _panel(ax, cm, labels, f'{name} (accuracy {acc:.3f})')
    fig.suptitle(f'{title} attributes on the object pixels found'.strip())
    fig.tight_layout()
    fig.savefig(attribute_file, dpi=110)
    plt.close(fig)

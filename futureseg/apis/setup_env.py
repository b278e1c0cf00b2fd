import datetime
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every futureseg module so that its components are in the registries.

    Args:
        init_default_scope (bool): Also make ``futureseg`` the default scope, so that
            configs without a scope prefix build futureseg components first (and fall
            back to MMEngine's). Defaults to True.
    """
    import futureseg.datasets  # noqa: F401
    import futureseg.engine  # noqa: F401
    import futureseg.evaluation  # noqa: F401
    import futureseg.models  # noqa: F401
    import futureseg.postprocessing  # noqa: F401
    import futureseg.visualization  # noqa: F401

    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None or not DefaultScope.check_instance_created('futureseg'):
        DefaultScope.get_instance('futureseg', scope_name='futureseg')
    elif current.scope_name != 'futureseg':
        warnings.warn(f'The default scope was "{current.scope_name}"; register_all_modules '
                      'makes it "futureseg". Pass init_default_scope=False to keep it.')
        DefaultScope.get_instance(f'futureseg-{datetime.datetime.now()}', scope_name='futureseg')

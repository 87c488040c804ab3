"""Which collector serves which platform: name -> (module, class), imported only when used."""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from shailoo.errors import UsageError

# platform -> method -> (module, class); the first method is the default
COLLECTORS: dict[str, dict[str, tuple[str, str]]] = {
    "vk": {"api": ("shailoo.collect.vk", "VkCollector")},
    "youtube": {"api": ("shailoo.collect.youtube", "YouTubeCollector")},
    "telegram": {"web": ("shailoo.collect.telegram_web", "TelegramWebCollector"),
                 "mtproto": ("shailoo.collect.telegram_mtproto", "TelegramMtprotoCollector")},
}
NOT_COLLECTABLE = {
    "facebook": "Facebook has no open API for pages' posts since CrowdTangle closed (August 2024)",
    "instagram": "Instagram has no open API for accounts' posts since CrowdTangle closed (August 2024)",
}


def collector_class(platform: str, method: str | None = None) -> type:
    """The collector class for `platform` (and `method`, e.g. Telegram's 'web' or 'mtproto')."""
    if platform in NOT_COLLECTABLE:
        raise UsageError(f"{NOT_COLLECTABLE[platform]}; import its exports instead (shailoo import, docs/collect.md).")
    methods = COLLECTORS.get(platform)
    if methods is None:
        raise UsageError(f"shailoo cannot collect from {platform}; it collects from {', '.join(COLLECTORS)}.")
    if method is None:
        method = next(iter(methods))
    if method not in methods:
        raise UsageError(f"--method {method} is not a way to collect {platform}; use one of {', '.join(methods)}.")
    module_name, class_name = methods[method]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        raise UsageError(f"This shailoo has no {platform} collector yet ({module_name} is missing).") from None
    return getattr(module, class_name)


def make_collector(cls: type, http: Any, credentials: Any, **options: Any) -> Any:
    """`cls(http, credentials, **options)`, passing only the options its constructor takes."""
    params = inspect.signature(cls).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    return cls(http, credentials, **{k: v for k, v in options.items() if takes_any or k in params})

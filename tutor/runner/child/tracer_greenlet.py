"""greenlet.settrace, installed right after the program imports greenlet (the tracer
itself never imports it): greenlet switches go to tracer_switch.on_greenlet."""

import sys

from .tracer_names import MAIN_IDENT, State, get_ident
from .tracer_switch import Hooks, on_greenlet


def _install_greenlet(gm):
    State.greenlet = gm
    if Hooks.unhook is None and Hooks.hooked:  # already past the unhook point
        return
    prev = gm.gettrace()

    def trace(event, args, _on=on_greenlet, _prev=prev):
        if event == "switch" or event == "throw":
            if get_ident() == MAIN_IDENT:
                try:
                    _on(event, args[0], args[1])
                except Exception:
                    pass
        if _prev is not None:
            _prev(event, args)

    gm.settrace(trace)
    Hooks.g_unhooks.append(lambda: gm.gettrace() is trace and gm.settrace(prev))


class _GreenletHook:
    """A meta-path finder that lets the import of greenlet happen, then installs
    greenlet.settrace. The tracer itself never imports greenlet."""

    def find_spec(self, name, path=None, target=None):
        if name != "greenlet":
            return None
        try:
            sys.meta_path.remove(self)
        except ValueError:
            pass
        import importlib.machinery as im

        spec = im.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        orig_exec = loader.exec_module

        def exec_module(module):
            orig_exec(module)
            try:
                _install_greenlet(module)
            except Exception:
                pass

        loader.exec_module = exec_module
        return spec


def install():
    if "greenlet" in sys.modules:
        _install_greenlet(sys.modules["greenlet"])
    else:
        sys.meta_path.insert(0, _GreenletHook())

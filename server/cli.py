"""`ganlab` command line: serve the lab, train headless, list presets."""

from __future__ import annotations

import argparse
import json
import math
import sys

from gan_core.config import ConfigError, LabConfig, load_config_file, parse_assignments
from gan_core.presets import PRESETS
from server.limits import Limits, default_max_sessions


def _cmd_presets(args: argparse.Namespace) -> int:
    for name in PRESETS:
        p = PRESETS.get(name)
        print(f"{name:24s} {p.title}: {p.description}")
    return 0


def _number(value: float | None, digits: int) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _describe_record(r: dict) -> str:
    """One human-readable progress line (the --json lines carry every field)."""
    line = (
        f"iter {r['iteration']:6d}  loss_d {_number(r['loss_d'], 4)}  loss_g {_number(r['loss_g'], 4)}  "
        f"out(real) {_number(r['d_real'], 3)}  out(fake) {_number(r['d_fake'], 3)}  "
        f"JS {_number(r['js'], 4)} nats  W1 {_number(r['wasserstein'], 4)}"
    )
    if r.get("value_optimum") is not None:
        line += f"  V {_number(r['value'], 4)} (optimum {r['value_optimum']:.4f})"
    if r.get("modes_total") is not None:
        line += f"  modes {r['modes_covered']}/{r['modes_total']}  HQ {r['hq_fraction']:.3f}"
    if r.get("class_accuracy_min") is not None:
        line += f"  class acc min {_number(r['class_accuracy_min'], 3)} mean {_number(r['class_accuracy_mean'], 3)}"
    if r.get("code_nmi") is not None:
        line += f"  code NMI {_number(r['code_nmi'], 3)}"
    if r.get("test_accuracy") is not None:
        line += f"  test acc {_number(r['test_accuracy'], 3)} (labelled only {_number(r['labelled_only_accuracy'], 3)})"
    return f"{line}  {r['seconds']:.1f}s"


def _config_from_args(args: argparse.Namespace) -> LabConfig:
    """The run's config from --config FILE or --preset, then --seed and --set (ConfigError)."""
    if args.config:
        config = load_config_file(args.config)
    else:
        if args.preset not in PRESETS:
            raise ConfigError(f"unknown preset {args.preset!r}; choose one of: {', '.join(PRESETS)}")
        config = PRESETS.get(args.preset).config
    if args.seed is not None:
        config = config.updated({"seed": args.seed})
    return parse_assignments(config, args.set or [])


def _cmd_train(args: argparse.Namespace) -> int:
    import torch

    from gan_core.train import train

    torch.set_num_threads(max(1, args.threads))
    try:
        config = _config_from_args(args)
    except ConfigError as err:
        print(f"ganlab train: {err}", file=sys.stderr)
        return 2
    if not args.json:
        print(f"training {args.preset if not args.config else args.config} for {args.steps} iterations: {config.model_dump()}")
    last: dict = {}
    for record in train(config, args.steps, every=args.every):
        last = record
        if args.json:
            print(json.dumps(record), flush=True)
        else:
            print(_describe_record(record), flush=True)
    if args.save:
        with open(args.save, "w", encoding="utf-8") as fh:
            json.dump({"config": config.model_dump(), "metrics": last}, fh, indent=2)
    if "diverged" in last:
        print(f"ganlab train: training diverged: {last['diverged']}", file=sys.stderr)
        return 3
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    import os

    import uvicorn

    from server.app import create_app, resolve_device
    from server.limits import Limits
    from server.security import is_loopback, new_token

    try:
        device = resolve_device(args.device)
        limits = Limits(
            max_sessions=args.max_sessions,
            queue=args.queue,
            commands_per_second=args.rate,
            message_bytes=args.max_message_bytes,
            idle_timeout=args.idle_timeout,
            send_timeout=args.send_timeout,
            resume_grace=args.resume_grace,
            max_cost=args.max_cost,
            max_watchers=args.max_watchers,
        )
        limits.check()
    except ValueError as err:
        print(f"ganlab serve: {err}", file=sys.stderr)
        return 2
    if args.workers > 1 and not args.redis:
        print(
            "ganlab serve: --workers needs --redis URL: a run lives in one process's memory, and Redis is how "
            "the processes find each other's runs for watch links (see deploy/README.md)",
            file=sys.stderr,
        )
        return 2
    if args.redis:
        problem = _redis_problem(args.redis)
        if problem:
            print(f"ganlab serve: {problem}", file=sys.stderr)
            return 2
    token = args.token or os.environ.get("GANLAB_TOKEN") or None
    if token is None and (args.workers > 1 or not is_loopback(args.host)):
        token = new_token()  # beyond this machine, nobody trains without the printed link
    if token is None and args.redis:
        # Behind a proxy the class reaches every process, and a teacher's page may reach any.
        print("ganlab serve: --redis needs --token (or GANLAB_TOKEN), the same for every process of the lab", file=sys.stderr)
        return 2
    if args.workers > 1:
        return _serve_workers(args, token)
    app = create_app(device=device, limits=limits, token=token, allow_origins=args.allow_origin or [], public_url=args.public_url, redis_url=args.redis, batched=not args.no_batching)
    shown = args.public_url or f"http://{_shown_host(args.host)}:{args.port}"
    suffix = f"/?token={token}" if token else "/"
    print(f"GAN Lab on {shown.rstrip('/')}{suffix}  (device: {device}, up to {limits.max_sessions} sessions)", flush=True)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        ws_max_size=max(4 * limits.message_bytes, 1 << 16),  # beyond: closed with 1009
        timeout_graceful_shutdown=1,  # then open connections are cut: down within 2 s
    )
    return 0


def _redis_problem(url: str) -> str | None:
    """Why --redis URL cannot be used (None: Redis answers)."""
    try:
        from server.cluster import check_redis
    except ImportError:
        return "--redis needs the redis package: pip install 'ganlab[cluster]'"
    return check_redis(url)


# Flags a --workers parent does not pass on as they are: each child gets its own port, the
# token through the environment (not on a command line others can read), its share of sessions.
_NOT_PASSED_ON = {"help", "workers", "port", "token", "max_sessions", "func"}


def _serve_workers(args: argparse.Namespace, token: str | None) -> int:
    """N `ganlab serve` processes on ports PORT .. PORT+N-1, one lab through --redis; meant
    to sit behind the reverse proxy of deploy/, which gives the class one address and keeps
    each teacher's page on the process that has its run. Signals are passed on; when one
    process exits the others are stopped (a supervisor such as systemd restarts the lot)."""
    import contextlib
    import os
    import signal
    import subprocess
    import time

    n = args.workers
    share = -(-args.max_sessions // n)  # --max-sessions is for all of them together
    flags: list[str] = []
    for action in _serve_parser(build_parser())._actions:
        value = getattr(args, action.dest, None)
        if not action.option_strings or action.dest in _NOT_PASSED_ON or value is None or value is False:
            continue
        flag = action.option_strings[-1]
        for v in value if isinstance(value, list) else [value]:
            flags += [flag] if action.nargs == 0 else [flag, str(v)]
    env = dict(os.environ)
    if token:
        env["GANLAB_TOKEN"] = token
    die_with_parent = _die_with_parent_hook()
    children = []
    for i in range(n):
        argv = [sys.executable, "-m", "server.cli", "serve", *flags, "--port", str(args.port + i), "--max-sessions", str(share)]
        children.append(subprocess.Popen(argv, env=env, start_new_session=True, preexec_fn=die_with_parent))
    shown = f"{args.public_url.rstrip('/')}/?token={token}" if args.public_url else "the proxy's address with ?token=TOKEN"
    print(
        f"GAN Lab: {n} processes on {args.host} ports {args.port}-{args.port + n - 1} (up to {share} sessions each), one lab "
        f"through Redis: give the class one address with the reverse proxy of deploy/ and open {shown}",
        flush=True,
    )
    stopping: list[int] = []

    def pass_on(sig: int, _frame: object) -> None:
        stopping.append(sig)
        for child in children:
            if child.poll() is None:
                with contextlib.suppress(OSError):
                    child.send_signal(sig)

    signal.signal(signal.SIGINT, pass_on)
    signal.signal(signal.SIGTERM, pass_on)
    failed = 0
    try:
        while any(child.poll() is None for child in children):
            if not stopping and not failed:
                for i, child in enumerate(children):
                    if child.returncode is not None:
                        failed = child.returncode or 1
                        print(f"ganlab serve: the process on port {args.port + i} exited ({child.returncode}); stopping the others", file=sys.stderr)
                        pass_on(signal.SIGTERM, None)
                        break
            time.sleep(0.1)
    finally:
        for child in children:
            if child.poll() is None:
                try:
                    child.wait(10)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
    if failed:
        return failed
    return 0 if stopping else max((c.returncode or 0 for c in children), default=0)


def _die_with_parent_hook():  # type: ignore[no-untyped-def]
    """Linux: a --workers child is sent SIGTERM when its parent dies, even by SIGKILL."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
    except (OSError, AttributeError):
        return None
    return lambda: libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _serve_parser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices["serve"]


def _shown_host(host: str) -> str:
    """For 0.0.0.0 / :: print an address other machines can use: this machine's outbound
    interface (a UDP connect sends nothing)."""
    import socket

    if host not in ("0.0.0.0", "::", ""):
        return host
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))
            return s.getsockname()[0]
    except OSError:
        return socket.gethostname()


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (value > 0 and value < float("inf")):
        raise argparse.ArgumentTypeError("must be a positive number")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be a positive integer")
    return value


def _cmd_figure(args: argparse.Namespace) -> int:
    """A figure from a real run (gan_core/figure.py): Figure 1's four panels for 1-D data, the
    2-D view for 2-D data; PNG or SVG by the file's extension."""
    import torch

    try:
        from gan_core.figure import FigureError, FigureSpec, check_writable, figure_format, render, save
    except ImportError as err:  # matplotlib missing
        print(f"ganlab figure: needs matplotlib ({err.name} is missing): pip install 'matplotlib>=3.7'", file=sys.stderr)
        return 2
    from gan_core.trainer import Diverged

    torch.set_num_threads(max(1, args.threads))
    spec = FigureSpec(width=args.width, height=args.height, dpi=args.dpi, mesh=args.mesh)
    try:
        figure_format(args.out)
        check_writable(args.out)
        spec.check()
        config = _config_from_args(args)
    except (ConfigError, FigureError) as err:
        print(f"ganlab figure: {err}", file=sys.stderr)
        return 2
    name = args.preset if not args.config else args.config.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    try:
        fig = render(config, name, spec, steps=args.steps, d_steps=args.d_steps)
    except Diverged as err:
        print(f"ganlab figure: training diverged: {err}", file=sys.stderr)
        return 3
    try:
        save(fig, args.out)
    except OSError as err:
        print(f"ganlab figure: cannot write {args.out}: {err.strerror or err}", file=sys.stderr)
        return 2
    width, height = (round(v) for v in fig.bbox.size)
    print(f"wrote {args.out} ({width}x{height} px at {spec.dpi} dpi)")
    return 0


def _cmd_dirac(args: argparse.Namespace) -> int:
    from gan_core.dirac import DiracConfig, DiracError, trajectory

    changes: dict[str, str] = {"objective": args.objective}
    for item in args.set or []:
        key, sep, value = item.partition("=")
        if not sep:
            print(f"ganlab dirac: --set wants KEY=VALUE, got {item!r}", file=sys.stderr)
            return 2
        changes[key.strip()] = value.strip()
    try:
        config = DiracConfig().updated(changes)
    except DiracError as err:
        print(f"ganlab dirac: {err}", file=sys.stderr)
        return 2
    points = trajectory(config, args.steps, args.every)
    for p in points:
        if args.json:
            print(json.dumps({k: (v if math.isfinite(v) else None) for k, v in p.items()}))
        else:
            print(f"step {int(p['step']):6d}  θ {p['theta']: .5f}  ψ {p['psi']: .5f}  distance {p['distance']:.5f}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ganlab", description="GAN Lab: watch a GAN learn.")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="start the lab's web server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    serve.add_argument("--max-sessions", type=_positive, default=default_max_sessions(), help="concurrent training sessions (default: sized to this machine)")
    serve.add_argument("--queue", type=_positive, default=Limits.queue, help="commands waiting per session")
    serve.add_argument("--rate", type=_positive_float, default=Limits.commands_per_second, help="commands a second per connection")
    serve.add_argument("--max-message-bytes", type=_positive, default=Limits.message_bytes, help="largest inbound message")
    serve.add_argument("--idle-timeout", type=_positive_float, default=Limits.idle_timeout, help="seconds without a command before a session closes")
    serve.add_argument("--send-timeout", type=_positive_float, default=Limits.send_timeout, help="seconds a client may take to accept a message")
    serve.add_argument("--resume-grace", type=float, default=Limits.resume_grace, help="seconds a disconnected session waits to be resumed")
    serve.add_argument("--max-cost", type=_positive_float, default=None, help="multiply-adds per iteration or frame (default: ~1 s, measured at start)")
    serve.add_argument("--max-watchers", type=_positive, default=Limits.max_watchers, help="read-only watchers per session")
    serve.add_argument("--token", help="access token for the page and socket (default: generated when --host is not local)")
    serve.add_argument("--allow-origin", action="append", metavar="ORIGIN", help="another site whose pages may connect (repeatable; * for any)")
    serve.add_argument("--public-url", help="base URL students use to reach this server (for watch links and QR codes)")
    serve.add_argument("--no-batching", action="store_true", help="each playing session trains in its own thread (default: one scheduler stacks sessions of one shape)")
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    serve.add_argument("--redis", metavar="URL", help="one lab across processes and machines: watch links work on every process sharing this Redis (redis://HOST:PORT/DB)")
    serve.add_argument("--workers", type=_positive, default=1, help="serve with N processes on ports PORT..PORT+N-1 (needs --redis; put deploy/'s proxy in front)")
    serve.set_defaults(func=_cmd_serve)

    tr = sub.add_parser("train", help="train without a browser")
    tr.add_argument("--preset", default="figure1")
    tr.add_argument("--config", help="a JSON config or saved run to start from (instead of --preset)")
    tr.add_argument("--steps", type=_positive, default=5000, help="iterations (k D updates + 1 G update each)")
    tr.add_argument("--seed", type=int)
    tr.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a config field (repeatable)")
    tr.add_argument("--every", type=_positive, default=500, help="report every N iterations")
    tr.add_argument("--json", action="store_true", help="one JSON object per line")
    tr.add_argument("--save", help="write the config and final metrics to this JSON file")
    tr.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    tr.set_defaults(func=_cmd_train)

    di = sub.add_parser("dirac", help="the Dirac-GAN: data at 0, generator θ, linear discriminator ψ")
    di.add_argument("--objective", default="minimax", help="an objective of the lab (default minimax, the paper's plain GAN)")
    di.add_argument("--set", action="append", metavar="KEY=VALUE", help="r1_gamma, gp_weight, clip_value, lr, mode, theta, psi (repeatable)")
    di.add_argument("--steps", type=_positive, default=2000, help="updates of both players")
    di.add_argument("--every", type=_positive, default=100, help="report every N updates (and the last)")
    di.add_argument("--json", action="store_true", help="one JSON object per line")
    di.set_defaults(func=_cmd_dirac)

    fi = sub.add_parser("figure", help="a figure from a real run: Figure 1's panels (a)-(d) in 1-D, the 2-D view in 2-D")
    fi.add_argument("--preset", default="figure1")
    fi.add_argument("--config", help="a JSON config or saved run (the page's Save run) to start from (instead of --preset)")
    fi.add_argument("--out", required=True, help="the file to write: .png or .svg")
    fi.add_argument("--steps", type=_positive, help="2-D: iterations before the picture (default 2000); 1-D: the cap on panel (d)'s iterations (default 4000)")
    fi.add_argument("--d-steps", type=_positive, help="1-D: D updates with G fixed for panel (b) (default 300)")
    fi.add_argument("--seed", type=int)
    fi.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a config field (repeatable)")
    fi.add_argument("--width", type=_positive, help="in pixels (default 2400 in 1-D, 1200 in 2-D)")
    fi.add_argument("--height", type=_positive, help="in pixels (default 760 in 1-D, 1050 in 2-D)")
    fi.add_argument("--dpi", type=_positive, default=150, help="pixels per inch: the type's size in pixels, and an SVG's size in inches (default 150)")
    fi.add_argument("--mesh", action="store_true", help="2-D: draw G's mesh")
    fi.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    fi.set_defaults(func=_cmd_figure)

    pr = sub.add_parser("presets", help="list the presets")
    pr.set_defaults(func=_cmd_presets)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

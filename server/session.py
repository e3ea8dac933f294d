"""One training session (a run): created by a presenter's connection, it outlives it for a
resume (server/hub.py decides when it ends).

A single worker thread owns the Trainer: every command goes through its queue, so Step can
never race Play and training never blocks the event loop. Frames go out through a one-slot
mailbox: the worker probes only when the sender has finished the previous frame and 1/60 s
has passed, so a slow client gets fewer frames, never a growing queue."""

from __future__ import annotations

import contextlib
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from gan_core.config import ConfigError, LabConfig, validate_config
from gan_core.presets import PRESETS
from gan_core.probes import ProbeSet, make_probe_set, probe
from gan_core.probes2d import ProbeSet2D
from gan_core.tour import TourSchedule, run_tour
from gan_core.trainer import Diverged, Interrupted, Trainer
from server import protocol as P
from server.scheduler import Scheduler

FRAME_INTERVAL = 1 / 60
# A 2-D frame is ~21 kB (heatmap, mesh, dots, arrows; a binary frame, ~34 kB as JSON): while
# playing, 30 a second look as smooth on the page (it animates at 60 fps) and halve the
# encoding, the bandwidth per student and the browser's work.
FRAME_INTERVAL_2D_PLAYING = 1 / 30
# While playing, drawing a frame (probes, metrics) may take at most this share of the run's
# time: on a crowded server a probe's wall time grows with the contention, frames come
# further apart and training keeps the rest. bench/soak.py, 10 gaussians sessions on 2
# cores: no share 8.7 it/s and 6.9 frames/s each; 1/2: 11.4 and 4.4; 1/3: 16 and 3. One
# session alone is unchanged (~20 frames/s, ~350 it/s).
FRAME_TIME_SHARE = 1 / 2
SPEED_SMOOTHING_SECONDS = 1.0  # the measured speed's smoothing window
# While playing, 2-D frames reuse JS/W1/mode metrics this old at most, and a new pass of them is
# spread over frames (~3 ms each, gan_core/probes2d.py), so no frame holds training back; a
# pass costs ~14 ms (gaussians) to ~37 ms (ring, grid) on an idle core.
METRICS_MAX_AGE = 0.5
METRICS_FULL_RATE_SESSIONS = 4  # beyond this many playing sessions, metrics age in proportion
SLICE_SECONDS = 0.012  # longest stretch of training between looks at the command queue
TRAINING_NICENESS = 10  # worker threads run at this nice value (Linux), below the web loop
MAX_PACING_LAG = 0.1  # seconds behind the chosen speed before the pacing clock restarts

# Figure-1 tour (gan_core/tour.py, shared with `ganlab figure`): how long D trains alone for
# panel (b), the G updates panel (c) shows with D frozen (one is too small to see; its message
# says how many), and the cap and JS target for panel (d).
TOUR_D_STEPS = TourSchedule.d_steps
TOUR_G_UPDATES_SHOWN = TourSchedule.g_updates_shown
TOUR_MAX_ITERATIONS = TourSchedule.max_iterations
TOUR_JS_TARGET = TourSchedule.js_target
# The charts' history a late watcher or a reconnecting page receives: at most this many
# points, thinned evenly (every other point dropped) when it fills, so it spans the run.
HISTORY_POINTS = 1500


class QueueFull(Exception):
    """The session's command queue is at its bound: the client sends faster than it trains."""


# Cost check for a new configuration: returns a message when it is too heavy, else None.
CostCheck = Callable[[LabConfig], "str | None"]


class Session:
    def __init__(
        self,
        config: LabConfig,
        device: str,
        emit: Callable[[dict[str, Any]], None],
        preset: str | None = None,
        *,
        queue_size: int = 0,
        cost_check: CostCheck | None = None,
        scheduler: Scheduler | None = None,
    ) -> None:
        """`emit(msg)` is called from the worker thread with each outbound message; frames
        are only produced after `frame_sent()` says the previous one left. `queue_size`
        bounds the commands waiting (0: unbounded); `cost_check` refuses heavy configs. With a
        `scheduler`, play is trained by it (stacked with sessions of the same shape); this
        thread then handles commands, jobs (Step, the tour) and frames only."""
        self.emit = emit
        self.preset = preset
        self.cost_check = cost_check
        self.trainer = Trainer(config, device)
        self.scheduler = scheduler
        self.lock = threading.Lock()  # this thread holds it while it touches the trainer
        self.play_epoch = 0  # +1 when play starts or the speed changes (the scheduler's pacing restarts)
        self._wants_lock = threading.Event()
        self._command_pending = threading.Event()
        self.probes: ProbeSet | ProbeSet2D = make_probe_set(self.trainer)
        self.commands: queue.Queue[P.Command | None] = queue.Queue(maxsize=queue_size)
        # close() sets _stop, detach() sets _interrupt: both stop training between two
        # updates (not only between commands), so a closed session stops within one update.
        self._stop = threading.Event()
        self._interrupt = threading.Event()
        self._wake_pending = threading.Event()
        self.trainer.should_stop = self._should_stop
        self.history: list[dict[str, Any]] = []  # [{iteration, scalars}] for late joiners
        self._history_stride = 1
        self.playing = False
        self.speed: float | None = P.DEFAULT_SPEED
        self._job: Iterator[None] | None = None  # a running tour or a long Step, in slices
        self._job_status = "touring"
        self._client_ready = threading.Event()
        self._client_ready.set()
        self._dirty = True
        self._quick_frame = False  # the next frame may reuse the metrics it has (after a Step)
        self._last_frame = 0.0
        self._probe_seconds = 0.0  # the latest frame's wall time
        self._speed_mark: tuple[float, int] | None = None  # (time, iteration) at the last frame while playing
        self._measured: float | None = None
        self._thread = threading.Thread(target=self._run, name="gan-session", daemon=True)
        self._thread.start()

    # -- called from the event loop -------------------------------------------------------
    def submit(self, command: P.Command) -> None:
        """Queue a command; raises QueueFull at the bound (the caller answers the client)."""
        try:
            self.commands.put_nowait(command)
        except queue.Full:
            raise QueueFull(f"{self.commands.maxsize} commands are already waiting for this session; slow down") from None
        self._command_pending.set()  # the scheduler ends its slice: Pause and Step answer at once

    def frame_sent(self) -> None:
        self._client_ready.set()
        self._wake()

    def detach(self) -> None:
        """The controlling page went away: stop training (mid-iteration if need be) and keep
        the run, paused, for a resume."""
        self._interrupt.set()
        self._client_ready.set()  # nobody to wait for: frames go to watchers as they come
        self._wake()

    def close(self) -> None:
        """End the session: the worker stops between two updates and exits."""
        self._stop.set()
        self._wake()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the worker; True when it is gone."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _wake(self) -> None:
        if self._wake_pending.is_set():
            return  # one wake-up in the queue is enough
        self._wake_pending.set()
        with contextlib.suppress(queue.Full):  # a full queue wakes the worker anyway
            self.commands.put_nowait(_WAKE)

    def _drain(self) -> list[P.Command | None]:
        out: list[P.Command | None] = []
        with contextlib.suppress(queue.Empty):
            while True:
                out.append(self.commands.get_nowait())
        return out

    def _should_stop(self) -> bool:
        return self._stop.is_set() or self._interrupt.is_set()

    # -- for the scheduler (server/scheduler.py) ------------------------------------------------
    def wants_control(self) -> bool:
        """A command or a close waits: the scheduler ends its slice at the next update."""
        return self._command_pending.is_set() or self._should_stop()

    def busy(self) -> bool:
        """This thread waits for the lock (a frame): no new slice starts with this session,
        and the one running finishes (a frame can wait that long, a Pause should not)."""
        return self._wants_lock.is_set()

    def on_trained(self, iterations: int) -> None:
        self._dirty = True  # no wake-up: this thread comes back when the next frame is due

    def _scheduled(self) -> bool:
        """Play is the scheduler's (and this thread only draws it)."""
        return self.scheduler is not None and self.playing and self._job is None

    def _sync_scheduler(self) -> None:
        if self.scheduler is None:
            return
        if self._scheduled() and not self.trainer.diverged:
            if self not in self.scheduler:
                self.scheduler.add(self)
        elif self in self.scheduler:
            self.scheduler.remove(self)

    # -- worker thread --------------------------------------------------------------------
    @property
    def status(self) -> str:
        if self.trainer.diverged:
            return "diverged"
        if self._job is not None:
            return self._job_status
        return "playing" if self.playing else "paused"

    def _run(self) -> None:
        _lower_thread_priority()
        try:
            self._work()
        finally:
            if self.scheduler is not None:
                self.scheduler.remove(self)

    def _work(self) -> None:
        play_clock = (time.perf_counter(), 0)  # (start time, iterations since) for pacing
        while True:
            busy = self.playing or self._job is not None
            wait = 0.0 if busy else (FRAME_INTERVAL if self._dirty else None)
            if self._scheduled():  # the scheduler trains; come back when a frame is due
                due = self._last_frame + self._frame_interval() - time.perf_counter()
                wait = max(0.0 if self._dirty else FRAME_INTERVAL, due) if self._client_ready.is_set() else None
            elif self.playing and self.speed is not None:
                start, done = play_clock
                due = start + done / self.speed
                wait = max(0.0, due - time.perf_counter())
            try:
                first = self.commands.get(timeout=None if wait is None else min(wait, 3600.0)) if wait != 0.0 else self.commands.get_nowait()
            except queue.Empty:
                first = _WAKE
            # Take every command waiting, not one per loop: each frame sent adds a wake-up, so
            # one at a time never catches up while playing fast (Pause would wait in line).
            self._command_pending.clear()
            batch = [first, *self._drain()]
            if None in batch or self._stop.is_set():
                return
            self._wake_pending.clear()
            self._wants_lock.set()  # the scheduler lets go at its next update
            with self.lock:
                self._wants_lock.clear()
                play_clock = self._work_on(batch, play_clock)

    def _work_on(self, batch: list[P.Command | None], play_clock: tuple[float, int]) -> tuple[float, int]:
        if self._interrupt.is_set():
            self._interrupt.clear()
            self.playing, self._job, self._dirty = False, None, True
        for cmd in batch:
            if cmd is _WAKE:
                continue
            was_playing = self.playing
            try:
                self._handle(cmd)
            except Exception as err:  # never let one bad command kill the session
                self.emit(P.error_message(f"{type(err).__name__}: {err}", "internal"))
            if self.playing and (not was_playing or cmd.type == "speed"):
                play_clock = (time.perf_counter(), 0)
                self.play_epoch += 1
                self._speed_mark, self._measured = None, None  # measure the new pace afresh
        try:
            if self.playing and self._job is None and self.trainer.diverged:  # the scheduler's run blew up
                self.playing, self._dirty = False, True
                self.emit(P.error_message(self._diverged_text(self.trainer.diverged), "diverged"))
            if self._job is not None:
                self._advance_job()
            elif self.playing and self.scheduler is None:
                play_clock = self._play_slice(play_clock)
            self._maybe_frame()
        except Exception as err:  # a bug must not kill the session: say so and stop playing
            self.playing, self._job, self._dirty = False, None, False  # no retry loop
            self._client_ready.set()
            self.emit(P.error_message(f"Internal error, training paused: {type(err).__name__}: {err}", "internal"))
        self._sync_scheduler()
        if self.scheduler is not None and self.playing:
            self.scheduler.wake()
        return play_clock

    def _play_slice(self, clock: tuple[float, int]) -> tuple[float, int]:
        start, done = clock
        now = time.perf_counter()
        if self.speed is not None and now - (start + done / self.speed) > MAX_PACING_LAG:
            # Behind schedule (a slow first step, a long frame, a busy machine): do not sprint
            # to catch up, which would show a burst at a speed nobody chose; start counting anew.
            start, done = now, 0
        t_end = now + SLICE_SECONDS
        while self.playing and time.perf_counter() < t_end:
            if self.speed is not None and time.perf_counter() < start + done / self.speed:
                break
            if not self._train("iteration", 1):
                break
            done += 1
        if self.speed is not None and done > self.speed:  # keep the pacing numbers small
            start, done = start + done / self.speed, 0
        return start, done

    def _train(self, target: str, count: int) -> bool:
        try:
            self.trainer.step(target, count)  # type: ignore[arg-type]
        except Interrupted:
            return False  # the loop sees _stop or _interrupt next
        except Diverged as err:
            self.playing = False
            self._job = None
            self._dirty = True
            self.emit(P.error_message(self._diverged_text(str(err)), "diverged"))
            return False
        finally:
            self._dirty = True
        return True

    @staticmethod
    def _diverged_text(why: str) -> str:
        return f"Training diverged: {why}. Press Reset to start again, or change a setting (a lower learning rate, say) to carry on from there."

    def _handle(self, cmd: P.Command) -> None:
        if cmd.type != "ping" and cmd.type != "speed":
            self._job = None  # any other command interrupts a tour or a long Step
        if cmd.type == "play":
            if self.trainer.diverged:
                self.emit(P.error_message("Training diverged; press Reset or change a setting first.", "diverged"))
            else:
                self.playing = True
        elif cmd.type == "pause":
            self.playing = False
        elif cmd.type == "step":
            self.playing = False
            if self.trainer.diverged:
                self.emit(P.error_message("Training diverged; press Reset or change a setting first.", "diverged"))
            else:
                self._start_job(self._steps(cmd.target, cmd.count), "stepping")
                self._advance_job()  # the first step now: a command right after cannot cancel it
        elif cmd.type == "reset":
            self.playing = False
            self._reset(self.trainer.config)
        elif cmd.type == "configure":
            self._configure(cmd)
        elif cmd.type == "speed":
            self.speed = cmd.iterations_per_second
        elif cmd.type == "tour":
            if self.trainer.p_data.dim != 1:
                self.emit(P.error_message("The Figure-1 tour needs a 1-D distribution (choose the figure1 preset).", "bad_request"))
            elif self.trainer.diverged:
                self.emit(P.error_message("Training diverged; press Reset before the tour.", "diverged"))
            else:
                self.playing = False
                self._start_job(self._tour(), "touring")
        elif cmd.type == "ping":
            self.emit({"type": "pong"})
        self._dirty = True

    def _configure(self, cmd: P.Configure) -> None:
        """A preset starts a new run. A partial config applies to the running networks when
        it can (learning rates, objective, tricks, ...: the run and play carry on and the
        page marks the iteration); a change that needs new networks resets. A shared link's
        values (`from_url`) are applied one by one: a bad one is dropped and named, and the
        rest (the preset included) still apply."""
        dropped: list[dict[str, str]] = []
        preset = cmd.preset
        try:
            base = self.trainer.config
            if preset is not None and preset not in PRESETS:
                problem = f"unknown preset {preset!r}; choose one of: {', '.join(PRESETS)}"
                if not cmd.from_url:
                    raise ConfigError(problem, [(None, problem)])
                dropped.append({"field": "preset", "value": preset[:200], "reason": "there is no preset of that name"})
                preset = None
            if preset is not None:
                base = PRESETS.get(preset).config
            if cmd.from_url:
                config, bad = base.updated_leniently(cmd.config)
                dropped += bad
            else:
                config = base.updated(cmd.config) if cmd.config else validate_config(base.model_dump())
        except ConfigError as err:
            self.emit(P.error_message(f"Configuration not applied: {err}", "bad_config", err.problems))
            return
        problem = self.cost_check(config) if self.cost_check else None
        if problem and cmd.from_url:  # the link's preset still opens; its heavy values do not
            dropped += [{"field": str(k), "value": str(v)[:200], "reason": problem} for k, v in cmd.config.items()]
            config, problem = base, (self.cost_check(base) if self.cost_check else None)
        if problem:
            self.emit(P.error_message(f"Configuration not applied: {problem}", "too_costly", [(None, problem)]))
            return
        if preset is None and not (cmd.from_url and cmd.preset is not None):
            old = self.trainer.config
            if not self.trainer.apply_config(config):
                changed = old.changed_fields(config)
                if isinstance(self.probes, ProbeSet2D):
                    self.probes.cached_metrics = None  # the objective may have changed what they mean
                self.emit(config_message(config, self.preset, "live", changed, self.trainer.iteration, dropped))
                return
        self.playing = False
        if preset is not None:
            self.preset = preset
        self._reset(config, dropped)

    def _reset(self, config: LabConfig, dropped: list[dict[str, str]] | None = None) -> None:
        changed = self.trainer.config.changed_fields(config)
        self.trainer.reset(config)
        self.probes = make_probe_set(self.trainer)
        self.history, self._history_stride = [], 1
        self.emit(config_message(config, self.preset, "reset", changed, 0, dropped))

    def _maybe_frame(self, force: bool = False) -> None:
        if not self._dirty and not force:
            return
        now = time.perf_counter()
        busy = self.playing or self._job is not None
        interval = self._frame_interval()
        if not force and (now - self._last_frame < interval or not self._client_ready.is_set()):
            return
        self._client_ready.clear()
        self._last_frame = now
        self._dirty = False
        # The frame after a Step comes at once with the metrics it has (the frame says their
        # iteration); a frame with fresh ones follows a frame interval later.
        quick, self._quick_frame = self._quick_frame, False
        cpu0 = time.thread_time()
        frame = probe(self.trainer, self.probes, self._metrics_max_age() if busy else (float("inf") if quick else 0.0))
        if quick and not busy:
            self._dirty = True
        self._record_history(frame)
        msg = P.frame_message(frame, self.status, raw=True)  # NumPy arrays: the hub sends it binary
        msg["speed"] = self.speed
        msg["measured_speed"] = self._measure_speed(now) if self.playing else None
        self.emit(msg)
        # this thread's CPU time for probing and encoding (wall time would count the waits for
        # the GIL behind the training thread, and starve frames on a crowded server)
        self._probe_seconds = time.thread_time() - cpu0

    def _metrics_max_age(self) -> float:
        """While playing: how old the 2-D metrics may get. On a crowded server they are
        refreshed less often (a pass is ~14-37 ms of CPU): every session's passes together stay
        about what METRICS_FULL_RATE_SESSIONS sessions cost at the full rate."""
        sharing = self.scheduler.playing if self._scheduled() and self.scheduler is not None else 1
        return METRICS_MAX_AGE * max(1.0, sharing / METRICS_FULL_RATE_SESSIONS)

    def _frame_interval(self) -> float:
        if not (self.playing or self._job is not None):
            return FRAME_INTERVAL
        interval = FRAME_INTERVAL_2D_PLAYING if self.trainer.p_data.dim == 2 else FRAME_INTERVAL
        # the frames of every session the scheduler plays share FRAME_TIME_SHARE of the time
        sharing = self.scheduler.playing if self._scheduled() and self.scheduler is not None else 1
        return max(interval, self._probe_seconds * max(1, sharing) / FRAME_TIME_SHARE)

    def _measure_speed(self, now: float) -> float | None:
        """Iterations a second actually run while playing (the chosen speed is a ceiling the
        machine may not reach): iterations between frames over the time between them,
        smoothed over about a second; None until two frames of the same play are known."""
        iteration = self.trainer.iteration
        last, self._speed_mark = self._speed_mark, (now, iteration)
        if last is None or now <= last[0] or iteration < last[1]:
            return None
        rate = (iteration - last[1]) / (now - last[0])
        weight = min(1.0, (now - last[0]) / SPEED_SMOOTHING_SECONDS)
        self._measured = rate if self._measured is None else self._measured + weight * (rate - self._measured)
        return round(self._measured, 1)

    def _record_history(self, frame: dict[str, Any]) -> None:
        """Keep every `stride`-th frame's scalars; at the cap, drop every other point and
        double the stride, so the history always spans the whole run in ≤ HISTORY_POINTS."""
        scalars, iteration = frame.get("scalars"), frame.get("iteration", 0)
        if scalars is None or (self.history and iteration <= self.history[-1]["iteration"]):
            return
        if self.history and iteration - self.history[-1]["iteration"] < self._history_stride:
            return
        self.history.append({"iteration": iteration, "scalars": scalars})
        if len(self.history) > HISTORY_POINTS:
            self.history = self.history[::2]
            self._history_stride *= 2

    # -- jobs: long Steps and the Figure-1 tour ----------------------------------------------
    def _start_job(self, job: Iterator[None], status: str) -> None:
        self._job, self._job_status = job, status

    def _steps(self, target: str, count: int) -> Iterator[None]:
        """Step in slices: a Step of 1,000 heavy iterations shows its progress and any other
        command (Pause, Reset, Play, ...) interrupts it."""
        for i in range(count):
            if i:
                yield  # between steps only: once the last is done the job ends at once, so
                # no frame of the finished Step still says "stepping"
            if not self._train(target, 1):
                return

    def _advance_job(self) -> None:
        """Run the job for one slice, at least one step of it (a stalled thread must not
        turn a Step into nothing)."""
        assert self._job is not None
        t_end = time.perf_counter() + SLICE_SECONDS
        try:
            while self._job is not None:
                next(self._job)
                if time.perf_counter() >= t_end:
                    break
        except StopIteration:
            self._job = None
            self._dirty = True
            self._quick_frame = True

    def _tour(self) -> Iterator[None]:
        """(a) now; (b) D trained toward D* with G fixed; (c) G updates with D frozen (a
        demonstration: TOUR_G_UPDATES_SHOWN of them, as one is too small to see); (d) trained
        on. The schedule is gan_core/tour.py's; each panel goes out as it is recorded."""
        schedule = TourSchedule(
            d_steps=TOUR_D_STEPS, g_updates_shown=TOUR_G_UPDATES_SHOWN, max_iterations=TOUR_MAX_ITERATIONS, js_target=TOUR_JS_TARGET
        )
        panels: list[dict[str, Any]] = []
        for snap in run_tour(self.trainer, self.probes, schedule, self._train):
            if snap is None:
                yield
                continue
            panels.append({"panel": snap.label, **snap.extra, **P.frame_message(snap.frame, "paused")})
            self.emit({"type": "tour", "panels": panels, "done": snap.label == "d"})


def _lower_thread_priority() -> None:
    """Training soaks up spare CPU; the event loop that sends frames and takes commands (and,
    on a teacher's laptop, the browser drawing them) should not wait behind it. Linux lets a
    thread have its own nice value; elsewhere this is a no-op."""
    if hasattr(os, "setpriority"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), TRAINING_NICENESS)


class _Wake:
    type = "wake"


_WAKE: Any = _Wake()


def config_message(
    config: LabConfig,
    preset: str | None,
    applied: str = "reset",
    changed: list[str] | None = None,
    iteration: int = 0,
    dropped: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """`applied`: "reset" (new networks, iteration 0) or "live" (same networks; `iteration`
    is where the change took effect, for the charts' marks). `dropped`: a link's values
    that were not applied, each {field, value, reason}."""
    return {
        "type": "config",
        "config": config.model_dump(),
        "preset": preset,
        "applied": applied,
        "changed": changed or [],
        "iteration": iteration,
        "dropped": dropped or [],
    }


"""Fuzz tests of the command line (issue 11, part 2): whatever a user or a damaged disk
hands ``rollout-sim``, it answers with a message, never a crash, and never leaves a mess.

What the suite guarantees, for every case it draws (see tests/cli/fuzz_support.py for the
strategies and the harness):

* the exit code is 0, 1 or 2 (2: click refused the command line), and the command
  finishes within 20 seconds and 2 GB of extra memory (more means a bound is missing);
* no uncaught exception (``result.exception`` is None or SystemExit), no "Traceback"
  on stdout or stderr, and no Python warning;
* an exit code 1 comes with a message on stderr with a line that starts with
  ``error:``; the message is short: no line longer than 500 characters, and at most
  25 lines unless every line is a problem of its own (``error: ...``, as validate
  lists them), with at most 5 lines of any other text;
* nothing is written outside what the command was told to write (its --out, RESULTS,
  --resume or --json, or the default results/ or trace/ folder in the working folder,
  and the parent folders of those); files that were there before under an output
  that is not a results folder of rollout-sim (a user's folder given as --out) are
  left as they were. The working folder is a fresh temporary folder, so nothing can
  reach the checkout;
* after ``run`` (and ``run --resume``) each results folder it names is absent,
  complete (manifest.json status "complete", summary.json and replications.csv) or
  resumable (status "interrupted" or "failed", replications.partial.csv): never
  half-written. An exit code 0 means complete;
* CSV files a run or a trace writes hold no cell a spreadsheet would run as a formula,
  and a report shows markup from the inputs as text, not as markup.

The inputs are damaged in three ways: (a) the shipped model and experiment files with
values of the wrong type or out of bounds, keys deleted or unknown, dates moved, and
hostile text (formulas, markup, control characters, 10,000 characters), written with
tomli_w, or their bytes re-encoded or broken; (b) command lines of every subcommand
with option values from pools of plausible but bad values (and good ones); (c) a
finished (and an interrupted) results folder with one file corrupted, emptied,
truncated, deleted or swapped, then given to plot, report, compare and run --resume.

Beside the drawn cases, fixed lists (KNOWN_COMMAND_LINES, KNOWN_EXPERIMENT_CHANGES,
every file and folder damage) try each bad value the issue names, and each failure
found so far, every time.

Every case runs in this process through click's CliRunner with ``--executor serial``;
runs are of a tiny model built from the shipped one (a replication takes a few
hundredths of a second). Hypothesis draws the cases with ``derandomize=True`` and no
database, so a run of the suite draws the same cases every time and CI is
reproducible. The default run takes about 30 seconds on two cores (longer while a case
that hangs waits out its 20 seconds); the tests marked ``slow`` draw many more cases,
in about a minute and a half more.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.cli.conftest import SERIAL
from tests.cli.fuzz_support import (
    CSV_DAMAGES,
    FILE_DAMAGES,
    FOLDER_DAMAGES,
    MODEL_REFERENCES,
    TINY_CSV,
    WORK,
    CommandLine,
    Expect,
    Inputs,
    Mutation,
    Outcome,
    apply,
    changes,
    check,
    command_line,
    command_lines,
    copy_folder,
    formula_cells,
    full_inputs,
    invoke,
    mutations,
    report,
    run_folder_state,
    snapshot,
    tiny_inputs,
    toml_text,
)

FULL = full_inputs()
TINY = tiny_inputs()


def fuzz_settings(examples: int) -> settings:
    """Hypothesis settings of the suite: reproducible (derandomize, no database), no
    deadline (a run takes what it takes; the harness has its own time limit), and no
    shrinking: the cases are small already, and shrinking a slow failing case would
    rerun it many times."""
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    phases=(Phase.explicit, Phase.generate), print_blob=False,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large, HealthCheck.filter_too_much])


# --------------------------------------------------------------------------------------
# Workspaces and finished runs

@pytest.fixture(scope="module", autouse=True)
def _unfreeze_gc() -> Iterator[None]:
    """invoke() freezes the objects alive before each command (see there); give them
    back to the collector when the module is done."""
    yield
    gc.unfreeze()


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for this module's workspaces (one per case, removed after it)."""
    return tmp_path_factory.mktemp("fuzz")


@dataclass(frozen=True)
class Runs:
    """Results folders made once per module: two complete runs and an interrupted one."""

    done: Path  # complete, -n 4, seed 1, with figures
    other: Path  # complete, -n 3, seed 2, another model (fewer super-users at HNT)
    stopped: Path  # interrupted after two replications of four


def _must(outcome: Outcome, what: str) -> None:
    if outcome.exit_code != 0:
        pytest.fail(f"could not make the {what} results folder: {outcome.command} -> exit {outcome.exit_code}\n"
                    f"{outcome.stderr}\n{outcome.last_line}")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    """The finished runs the damage cases copy: one scenario of the tiny baseline."""
    from sim.engine import replication  # where each chunk reads run_replication

    base = tmp_path_factory.mktemp("fuzz-runs")
    experiment = dict(TINY.experiments["baseline"])
    experiment["scenario"] = experiment["scenario"][:1]  # one scenario: plot draws in a few seconds
    experiment["experiment"] = {**experiment["experiment"], "name": "fuzz"}
    Inputs(TINY.model, TINY.csv, {"fuzz": experiment}).write(base / "inputs")
    work = base / WORK
    work.mkdir()
    run = ["run", "../inputs/fuzz.toml", "--no-plots", *SERIAL]
    _must(invoke([*run, "-n", "4", "--seed", "1", "--out", "done"], work), "complete")
    _must(invoke(["plot", "done"], work), "plotted")  # the one plot of the module's fixtures
    _must(invoke([*run, "-n", "3", "--seed", "2", "--set", "staff_group.hnt-super-users.headcount=3",
                  "--out", "other"], work), "second complete")
    # Ctrl-C after two replications, as the project's own tests stop a run (conftest.py).
    real = replication.run_replication

    def interrupted(model: Any, seed: int, rep: int, **kwargs: Any) -> Any:
        if rep >= 2:
            raise KeyboardInterrupt
        return real(model, seed, rep, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(replication, "run_replication", interrupted)
        try:
            outcome = invoke([*run, "-n", "4", "--seed", "1", "--chunk-size", "1", "--out", "stopped"], work)
        except KeyboardInterrupt:  # not caught by the tool: say so rather than stop pytest
            pytest.fail("run did not catch Ctrl-C (KeyboardInterrupt) to leave a resumable folder")
    manifest = json.loads((work / "stopped" / "manifest.json").read_text(encoding="utf-8"))
    if manifest.get("status") != "interrupted" or not (work / "stopped" / "replications.partial.csv").is_file():
        pytest.fail(f"could not make an interrupted results folder: exit {outcome.exit_code}, status "
                    f"{manifest.get('status')!r}\n{outcome.stderr}")
    return Runs(work / "done", work / "other", work / "stopped")


@contextlib.contextmanager
def workspace(scratch: Path, inputs: Inputs, runs: Runs | None = None,
              folders: tuple[str, ...] = ("done", "other", "stopped"), **written: Any) -> Iterator[Path]:
    """A fresh workspace (see fuzz_support, "Command lines") with ``inputs`` in inputs/
    and, given ``runs``, the results ``folders`` of them in spots/; ``written`` passes
    replacement bytes to :meth:`Inputs.write`. Removed afterwards."""
    root = Path(tempfile.mkdtemp(dir=scratch))
    try:
        inputs.write(root / "inputs", **written)
        (root / WORK).mkdir()
        if runs is not None:
            spots = root / "spots"
            spots.mkdir()
            (spots / "a-file.txt").write_text("a user's notes\n", encoding="utf-8")
            decoy = spots / "decoy-manifest"  # a user's folder that has a manifest.json of its own
            decoy.mkdir()
            (decoy / "manifest.json").write_text(json.dumps({"status": "complete", "name": "my project"}),
                                                 encoding="utf-8")
            (decoy / "notes.txt").write_text("keep me\n", encoding="utf-8")
            files = spots / "decoy-files"
            files.mkdir()
            (files / "notes.txt").write_text("keep me too\n", encoding="utf-8")
            (files / "data.csv").write_text("a,b\n1,2\n", encoding="utf-8")
            for name in folders:
                copy_folder(getattr(runs, name), spots / name)
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def run_checked(root: Path, command: CommandLine, context: str = "", outputs: tuple[str, ...] = ()) -> Outcome:
    """Run ``command`` in root/work and assert every promise of the suite; ``outputs``
    (relative to work/) are folders whose CSV files must hold no formulas."""
    before = snapshot(root)
    outcome = invoke(command.args, root / WORK)
    after = snapshot(root)
    problems = check(outcome, root, before, after, command.expect, command.is_run)
    if outcome.exit_code == 0:
        for out in outputs:
            problems += [f"a spreadsheet formula in the output: {cell}" for cell in formula_cells(root / WORK / out)]
    assert not problems, report(outcome, problems, context)
    return outcome


def _described(changes_made: list[Mutation], where: str) -> str:
    return f"{where}: " + "; ".join(str(m) for m in changes_made)


# --------------------------------------------------------------------------------------
# (a) Damaged model and experiment files

def _shipped_model_case(scratch: Path, changes_made: list[Mutation], experiment: str) -> None:
    inputs = replace(FULL, model=apply(FULL.model, changes_made))
    with workspace(scratch, inputs) as root:
        run_checked(root, CommandLine(["validate", "../inputs/model.toml", f"../inputs/{experiment}.toml"], Expect()),
                    _described(changes_made, "model.toml"))


@fuzz_settings(80)
@given(changes_made=mutations(FULL.model), experiment=st.sampled_from(sorted(FULL.experiments)))
def test_damaged_shipped_model_is_reported(scratch: Path, changes_made: list[Mutation], experiment: str) -> None:
    """validate on the shipped model with one to three values, keys or tables broken."""
    _shipped_model_case(scratch, changes_made, experiment)


@pytest.mark.slow
@fuzz_settings(500)
@given(changes_made=mutations(FULL.model, max_changes=5), experiment=st.sampled_from(sorted(FULL.experiments)))
def test_damaged_shipped_model_is_reported_many(scratch: Path, changes_made: list[Mutation], experiment: str) -> None:
    """As above, many more cases."""
    _shipped_model_case(scratch, changes_made, experiment)


def _experiment_changes(inputs: Inputs) -> st.SearchStrategy[tuple[str, list[Mutation], str | None]]:
    """An experiment of ``inputs``, changes to it, and maybe a new ``model = "..."``."""
    return st.sampled_from(sorted(inputs.experiments)).flatmap(
        lambda name: st.tuples(st.just(name), mutations(inputs.experiments[name], model=inputs.model),
                               st.none() | st.sampled_from(MODEL_REFERENCES)))


def _damaged_experiment(inputs: Inputs, name: str, changes_made: list[Mutation], model_ref: str | None) -> Inputs:
    raw = apply(inputs.experiments[name], changes_made)
    if model_ref is not None and isinstance(raw.get("experiment"), dict):
        raw["experiment"]["model"] = model_ref
    return replace(inputs, experiments={**inputs.experiments, name: raw})


# Study tables with values of mixed kinds or out of order: found by the random cases
# once, tried every time.
KNOWN_EXPERIMENT_CHANGES: list[tuple[str, list[Mutation]]] = [
    ("hnt-capacity", [Mutation("set", ("capacity", "low"), dt.date(2000, 1, 1))]),
    ("hnt-capacity", [Mutation("set", ("capacity", "high"), "9999-12-31")]),
    ("hnt-capacity", [Mutation("set", ("capacity", "step"), 0)]),
    ("hnt-capacity", [Mutation("swap", ("capacity", "low"), extra=("capacity", "high"))]),
    ("delay-sensitivity", [Mutation("set", ("sweep", "vary", "uncertainty.training_environment_delay_days"),
                                    ["0w", 3, dt.date(2023, 1, 1), "4%"])]),
    ("delay-sensitivity", [Mutation("set", ("sensitivity", "parameter", 0, "low"), dt.date(2023, 1, 1))]),
    ("delay-sensitivity", [Mutation("swap", ("sensitivity", "parameter", 2, "low"),
                                    extra=("sensitivity", "parameter", 2, "high"))]),
]


@pytest.mark.parametrize(("name", "changes_made"), KNOWN_EXPERIMENT_CHANGES,
                         ids=lambda v: v if isinstance(v, str) else "; ".join(map(str, v)))
def test_known_experiment_changes(scratch: Path, name: str, changes_made: list[Mutation]) -> None:
    """validate on study tables with mixed or swapped values, every time."""
    _shipped_experiment_case(scratch, (name, changes_made, None))


def _shipped_experiment_case(scratch: Path, drawn: tuple[str, list[Mutation], str | None]) -> None:
    name, changes_made, model_ref = drawn
    inputs = _damaged_experiment(FULL, name, changes_made, model_ref)
    context = _described(changes_made, f"{name}.toml") + (f"; experiment.model = {model_ref!r}" if model_ref else "")
    with workspace(scratch, inputs) as root:
        run_checked(root, CommandLine(["validate", f"../inputs/{name}.toml"], Expect()), context)


@fuzz_settings(60)
@given(drawn=_experiment_changes(FULL))
def test_damaged_shipped_experiment_is_reported(scratch: Path, drawn: tuple[str, list[Mutation], str | None]) -> None:
    """validate on a shipped experiment with values, keys, studies or the model path broken."""
    _shipped_experiment_case(scratch, drawn)


@pytest.mark.slow
@fuzz_settings(400)
@given(drawn=_experiment_changes(FULL))
def test_damaged_shipped_experiment_is_reported_many(scratch: Path,
                                                     drawn: tuple[str, list[Mutation], str | None]) -> None:
    """As above, many more cases."""
    _shipped_experiment_case(scratch, drawn)


@st.composite
def damaged_tiny_inputs(draw: st.DrawFn) -> tuple[Inputs, dict[str, Any], str]:
    """The tiny inputs with the model, an experiment or the headcount CSV damaged: the
    inputs, the bytes to write instead of a file's (for the CSV) and a description."""
    target = draw(st.sampled_from(("model", "model", "experiment", "csv")))
    if target == "model":
        changes_made = draw(mutations(TINY.model))
        return replace(TINY, model=apply(TINY.model, changes_made)), {}, _described(changes_made, "model.toml")
    if target == "experiment":
        name, changes_made, model_ref = draw(_experiment_changes(TINY))
        context = _described(changes_made, f"{name}.toml") + (f"; experiment.model = {model_ref!r}" if model_ref else "")
        return _damaged_experiment(TINY, name, changes_made, model_ref), {}, context
    damage = draw(st.sampled_from(sorted(CSV_DAMAGES)))
    at = draw(st.sampled_from((0.1, 0.5, 0.9)))
    return TINY, {"csv_bytes": CSV_DAMAGES[damage](TINY.csv or "", at)}, f"{TINY_CSV}: {damage} (at {at:.0%})"


def _tiny_case(scratch: Path, drawn: tuple[Inputs, dict[str, Any], str], command: str, n: int) -> None:
    inputs, written, context = drawn
    with workspace(scratch, inputs, **written) as root:
        if command == "run":
            args = ["run", "../inputs/baseline.toml", "-n", str(n), "--seed", "1", "--out", "out", "--no-plots", *SERIAL]
            expect = Expect(writes=["work/out"], run_folders=["work/out"])
        elif command == "trace":
            args = ["trace", "../inputs/baseline.toml", "--out", "tr", "--replication", str(n - 1)]
            expect = Expect(writes=["work/tr"])
        else:
            args = ["validate", "../inputs/model.toml", "../inputs/baseline.toml", "../inputs/delay-sensitivity.toml"]
            expect = Expect()
        run_checked(root, CommandLine(args, expect, is_run=command == "run"), context, outputs=("out", "tr"))


@fuzz_settings(60)
@given(drawn=damaged_tiny_inputs(), command=st.sampled_from(("run", "run", "trace", "validate")),
       n=st.integers(1, 3))
def test_damaged_inputs_run_or_fail_cleanly(scratch: Path, drawn: tuple[Inputs, dict[str, Any], str], command: str,
                                            n: int) -> None:
    """run (-n 1 to 3), trace or validate on the tiny inputs with one file damaged:
    inputs that pass the checks must run; the rest must fail with a message."""
    _tiny_case(scratch, drawn, command, n)


@pytest.mark.slow
@fuzz_settings(300)
@given(drawn=damaged_tiny_inputs(), command=st.sampled_from(("run", "run", "trace", "validate")),
       n=st.integers(1, 3))
def test_damaged_inputs_run_or_fail_cleanly_many(scratch: Path, drawn: tuple[Inputs, dict[str, Any], str],
                                                 command: str, n: int) -> None:
    """As above, many more cases."""
    _tiny_case(scratch, drawn, command, n)


def _file_case(scratch: Path, which: str, damage: str, at: float = 0.5) -> None:
    if which == "csv":
        written = {"csv_bytes": CSV_DAMAGES[damage](TINY.csv or "", at)}
    elif which == "model":
        written = {"model_bytes": FILE_DAMAGES[damage](toml_text(TINY.model), at)}
    else:
        written = {"experiment_bytes": {"baseline": FILE_DAMAGES[damage](toml_text(TINY.experiments["baseline"]), at)}}
    with workspace(scratch, TINY, **written) as root:
        args = ["run", "../inputs/baseline.toml", "-n", "1", "--out", "out", "--no-plots", *SERIAL]
        run_checked(root, CommandLine(args, Expect(writes=["work/out"], run_folders=["work/out"]), is_run=True),
                    f"{which}: {damage}", outputs=("out",))


@pytest.mark.parametrize("which", ["model", "experiment"])
@pytest.mark.parametrize("damage", sorted(FILE_DAMAGES))
def test_file_bytes_damaged(scratch: Path, which: str, damage: str) -> None:
    """A model or experiment file re-encoded (latin-1, UTF-16...), with broken bytes,
    truncated, empty, nested too deep or too large."""
    _file_case(scratch, which, damage)


@pytest.mark.parametrize("damage", sorted(CSV_DAMAGES))
def test_headcount_csv_damaged(scratch: Path, damage: str) -> None:
    """The model's headcount CSV re-encoded, with garbage, formulas or out-of-bound counts."""
    _file_case(scratch, "csv", damage)


@pytest.mark.slow
@fuzz_settings(150)
@given(which=st.sampled_from(("model", "experiment")), damage=st.sampled_from(sorted(FILE_DAMAGES)),
       at=st.floats(0, 1), changes_made=mutations(TINY.model, max_changes=2))
def test_file_bytes_and_values_damaged(scratch: Path, which: str, damage: str, at: float,
                                       changes_made: list[Mutation]) -> None:
    """Bad bytes at any place of a file whose values are damaged too."""
    inputs = replace(TINY, model=apply(TINY.model, changes_made))
    raw = inputs.model if which == "model" else inputs.experiments["baseline"]
    data = FILE_DAMAGES[damage](toml_text(raw), at)
    written = {"model_bytes": data} if which == "model" else {"experiment_bytes": {"baseline": data}}
    with workspace(scratch, inputs, **written) as root:
        args = ["run", "../inputs/baseline.toml", "-n", "1", "--out", "out", "--no-plots", *SERIAL]
        run_checked(root, CommandLine(args, Expect(writes=["work/out"], run_folders=["work/out"]), is_run=True),
                    f"{which}: {damage} at {at:.0%}; " + _described(changes_made, "model.toml"), outputs=("out",))


def test_markup_and_formulas_in_names_stay_text(scratch: Path) -> None:
    """Display names with markup and spreadsheet formulas, run with figures and report:
    the report shows them as text, and no CSV output carries a formula."""
    hostile = {"<script>alert(1)</script>", '=HYPERLINK("http://x","y")'}
    model = apply(TINY.model, [
        Mutation("set", ("model", "name"), "<script>alert(1)</script>"),
        Mutation("set", ("model", "description"), '=HYPERLINK("http://x","y")'),
        Mutation("set", ("site", 0, "name"), '=HYPERLINK("http://x","y")'),
        Mutation("set", ("site", 1, "name"), "<script>alert(1)</script>"),
        Mutation("set", ("venue", 0, "name"), "@SUM(A1:A9)"),
    ])
    experiment = apply(TINY.experiments["baseline"], [
        Mutation("set", ("experiment", "description"), "<img src=x onerror=alert(1)>"),
        Mutation("set", ("scenario", 0, "description"), "+1"),
    ])
    experiment["scenario"] = experiment["scenario"][:1]
    inputs = replace(TINY, model=model, experiments={"baseline": experiment})
    csv_text = (TINY.csv or "") + '"verdal","=HYPERLINK(""http://x"",""y"")","admin-service","3"\n'
    with workspace(scratch, inputs, csv_bytes=csv_text.encode("utf-8")) as root:
        args = ["run", "../inputs/baseline.toml", "-n", "1", "--out", "out", *SERIAL]
        run_checked(root, CommandLine(args, Expect(writes=["work/out"], run_folders=["work/out"]), is_run=True),
                    "display names with markup and formulas", outputs=("out",))
        page = root / WORK / "out" / "report.html"
        if page.is_file():
            text = page.read_text(encoding="utf-8")
            raw = [h for h in hostile | {"<img src=x onerror=alert(1)>"} if h.startswith("<") and h in text]
            assert not raw, f"report.html carries markup from the inputs unescaped: {raw}"
        run_checked(root, CommandLine(["trace", "../inputs/baseline.toml", "--out", "tr"], Expect(writes=["work/tr"])),
                    "display names with markup and formulas", outputs=("tr",))


# --------------------------------------------------------------------------------------
# (b) Command lines

def _command_case(scratch: Path, runs: Runs, command: CommandLine) -> None:
    with workspace(scratch, TINY, runs) as root:
        run_checked(root, command, outputs=("out", "trace", "results"))


N1 = ["-n", "1"]
RUN = ["run", "../inputs/baseline.toml", "--executor", "serial", "-q", "--no-plots"]
# The values the issue names, each on its own, and every failure the suite has found
# (so that they stay fixed whatever the random cases happen to draw).
KNOWN_COMMAND_LINES: list[list[str]] = [
    *[[*RUN, "-n", n, "--out", "out"] for n in ("0", "-1", "1e9", "abc", "1000000000", str(10**30), "1")],
    *[[*RUN, *N1, "--seed", seed, "--out", "out"] for seed in ("-1", str(10**30), str(2**63 - 1))],
    *[[*RUN, *N1, "--precision", p, "--out", "out"] for p in ("nan", "0", "2", "inf", "0.5")],
    *[[*RUN, *N1, "--workers", w, "--out", "out"] for w in ("0", str(10**6))],
    *[[*RUN, *N1, "--set", kv, "--out", "out"] for kv in ("nonexistent.key=1", "noequals", "=1", "model=1",
                                                         "site.hnt.go_live=9999-12-31", "site.hnt.go_live=0001-01-01")],
    *[[*RUN, *N1, "--out", out] for out in ("../spots/a-file.txt", "../spots/a-file.txt/under", ".", "",
                                            "../spots/decoy-manifest", "../spots/decoy-files", "../spots/done")],
    *[[*RUN, *N1, "--force", "--out", out] for out in (".", "..", "../inputs", "../spots/decoy-manifest",
                                                       "../spots/decoy-files", "../spots/done", "../spots/stopped")],
    *[["run", "--resume", folder, "--executor", "serial", "-q", "--no-plots"]
      for folder in ("../spots/stopped", "../spots/done", "../spots/decoy-manifest", "../spots/a-file.txt", ".")],
    ["sweep", "../inputs/delay-sensitivity.toml", *N1, "--executor", "serial", "-q", "--out", "out",
     "--vary", "venue.hnt-levanger.rooms=1,2", "--vary", "venue.hnt-levanger.rooms=3,4"],
    ["capacity", "../inputs/hnt-capacity.toml", *N1, "--executor", "serial", "-q", "--out", "out", "--max-risk", "nan"],
    ["compare", "../spots/done", "../spots/done", "--unpaired", "--json", ""],
    ["compare", "../spots/done", "../spots/other", "--unpaired", "--scenario-a", "x" * 1000],
    ["trace", "../inputs/baseline.toml", "--out", "tr", "--scenario", "x" * 1000],
    ["report", "../spots/done"],
    *[["capacity", "../inputs/hnt-capacity.toml", *N1, "--executor", "serial", "-q", "--out", "out", *more]
      for more in (["--high", "9999-12-31"], ["--low", "2023-01-01"], ["--set", "readiness.share=1"],
                   ["--earliest-go-live", "--set", "uncertainty.no_show_probability=0.5"])],
]


@pytest.mark.parametrize("args", KNOWN_COMMAND_LINES, ids=lambda a: " ".join(a)[:100])
def test_known_command_lines(scratch: Path, runs: Runs, args: list[str]) -> None:
    """The bad values the issue lists, and the failures found so far, every time."""
    _command_case(scratch, runs, command_line(args))


# plot draws for seconds, and a study that runs draws its figures too: the quick test
# leaves plot out and gives the studies a few cases of their own.
QUICK_COMMANDS = ("validate", "run", "run", "run-resume", "report", "trace", "compare")
STUDY_COMMANDS = ("sweep", "sensitivity", "capacity")


@fuzz_settings(80)
@given(command=command_lines(QUICK_COMMANDS))
def test_command_lines(scratch: Path, runs: Runs, command: CommandLine) -> None:
    """validate, run, run --resume, report, trace and compare with option values from
    pools of bad (and good) values, and --out, RESULTS and --resume pointing at files,
    users' folders and results folders."""
    _command_case(scratch, runs, command)


@fuzz_settings(12)
@given(command=command_lines(STUDY_COMMANDS))
def test_study_command_lines(scratch: Path, runs: Runs, command: CommandLine) -> None:
    """sweep, sensitivity and capacity, the same way (a few cases: a study that runs
    draws its figures)."""
    _command_case(scratch, runs, command)


@pytest.mark.slow
@fuzz_settings(180)
@given(command=command_lines())
def test_command_lines_many(scratch: Path, runs: Runs, command: CommandLine) -> None:
    """Every subcommand, plot and the studies included, many more cases."""
    _command_case(scratch, runs, command)


# --------------------------------------------------------------------------------------
# (c) Damaged results folders

FOLDER_COMMANDS = ("report", "compare", "resume-stopped", "resume-done")


def _damaged_folder_case(scratch: Path, runs: Runs, damages: list[str], command: str) -> None:
    target = "stopped" if command == "resume-stopped" else "done"
    with workspace(scratch, TINY, runs, folders=(target, "other")) as root:
        spots = root / "spots"
        for damage in damages:
            FOLDER_DAMAGES[damage](spots / target, spots / "other")
        rel = f"spots/{target}"
        if command in ("plot", "report"):
            command_line = CommandLine([command, f"../{rel}"], Expect(writes=[rel], owned=[rel]))
        elif command == "compare":
            # the damaged folder against an intact one; neither may change
            command_line = CommandLine(["compare", f"../{rel}", "../spots/other", "--unpaired", "--json", "cmp.json"],
                                       Expect(writes=["work/cmp.json"], owned=["work/cmp.json"]))
        else:
            command_line = CommandLine(["run", "--resume", f"../{rel}", "--no-plots", *SERIAL],
                                       Expect(writes=[rel], owned=[rel]))
        before = snapshot(root)
        outcome = invoke(command_line.args, root / WORK)
        after = snapshot(root)
        problems = check(outcome, root, before, after, command_line.expect)
        if command.startswith("resume"):
            # A refused resume may leave the damaged folder as it found it; once it has
            # changed anything, it must leave a complete or a resumable folder.
            touched = {p for p in changes(before, after) if p.startswith(rel + "/") and not p.endswith("/.running")}
            state = run_folder_state(spots / target) if touched or outcome.exit_code == 0 else None
            if state:
                problems.append(f"results folder {rel} {state} (after changing {', '.join(sorted(touched)[:4])})")
            if outcome.exit_code == 0 and not (spots / target / "summary.json").is_file():
                problems.append(f"exit code 0 but {rel} has no summary.json")
        assert not problems, report(outcome, problems, f"{target} with: {', '.join(damages)}")


@pytest.mark.parametrize("command", FOLDER_COMMANDS)
@pytest.mark.parametrize("damage", sorted(FOLDER_DAMAGES))
def test_damaged_results_folder(scratch: Path, runs: Runs, damage: str, command: str) -> None:
    """report, compare and run --resume on a results folder with one file damaged."""
    _damaged_folder_case(scratch, runs, [damage], command)


# Damages to the files only an interrupted run has (the journal, the checkpoint): plot
# refuses such a run whatever they hold, and on a complete one they are stray files it
# need not read, so plot would only spend seconds drawing.
PLOT_DAMAGES = sorted(d for d in FOLDER_DAMAGES if not d.startswith(("checkpoint", "journal", "garbage line in",
                                                                     "replications.partial")))


@fuzz_settings(3)
@given(damage=st.sampled_from(PLOT_DAMAGES))
def test_damaged_results_folder_plot(scratch: Path, runs: Runs, damage: str) -> None:
    """plot on a results folder with one file damaged (a few cases: a plot that gets as
    far as drawing takes seconds; the slow test below tries every damage)."""
    _damaged_folder_case(scratch, runs, [damage], "plot")


@pytest.mark.slow
@pytest.mark.parametrize("damage", PLOT_DAMAGES)
def test_damaged_results_folder_plot_every_damage(scratch: Path, runs: Runs, damage: str) -> None:
    """plot on a results folder with each damage."""
    _damaged_folder_case(scratch, runs, [damage], "plot")


@pytest.mark.slow
@fuzz_settings(80)
@given(damages=st.lists(st.sampled_from(sorted(FOLDER_DAMAGES)), min_size=2, max_size=3, unique=True),
       command=st.sampled_from(FOLDER_COMMANDS))
def test_results_folder_with_several_damages(scratch: Path, runs: Runs, damages: list[str], command: str) -> None:
    """Two or three damages at once."""
    _damaged_folder_case(scratch, runs, damages, command)


@pytest.mark.slow
def test_model_path_to_an_endless_file(scratch: Path) -> None:
    """An experiment whose model is /dev/zero: read within the file-size bound, not until
    memory runs out."""
    inputs = _damaged_experiment(TINY, "baseline", [], "/dev/zero")
    with workspace(scratch, inputs) as root:
        run_checked(root, CommandLine(["validate", "../inputs/baseline.toml"], Expect()), "experiment.model = /dev/zero")

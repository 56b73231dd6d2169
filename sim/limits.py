"""The bounds every input is held to, in one place.

Each bound is far above any real rollout, so that it only stops typos (10^8 for 10^3)
and hostile values, which would otherwise run out of memory, overflow a date or run
for hours. The same constants are used by the model and experiment files, ``--set``,
study values and the command line's options, so every way in is held to the same bound.
They are listed for users in docs/limits.md; tests/test_limits.py checks the two agree.
"""
from __future__ import annotations

import datetime as dt

# -- a run ------------------------------------------------------------------------------
MAX_REPLICATIONS = 100_000  # per scenario or study point; 1,000 take about a minute on 2 cores
MAX_SEED = 2**63 - 1  # numpy's SeedSequence takes any whole number; this keeps it one int64
MAX_WORKERS = 1_024
MAX_CHUNK_SIZE = 100_000
MAX_POINTS = 10_000  # design points of one sweep, sensitivity design or capacity search
MAX_TARGETS = 1_000  # [[target]] tables of one experiment
MAX_OBSERVED = 1e9  # an observed figure of a target, or its uncertainty (counts of sessions or people)
MAX_SHEET_ROWS = 1_048_576  # rows of an Excel sheet, its header's included: rollout-sim export

# -- dates ------------------------------------------------------------------------------
# Every date in a model (and every date a shift or a delay leads to) must fall here: the
# working calendar is built day by day over the span, and Python's dates end in 9999.
EARLIEST_DATE = dt.date(2000, 1, 1)
LATEST_DATE = dt.date(2099, 12, 31)
MAX_DAYS = 3_650  # a delay, a lag or a shift, in days (ten years)
MAX_WEEKS = 520  # the same, in weeks

# -- the world ----------------------------------------------------------------------------
# The engine sizes arrays by these numbers, so a typo must be an error, not an out-of-memory.
MAX_HEADCOUNT = 1_000_000  # one staff group or headcount CSV row
MAX_INSTRUCTORS = 100_000  # one instructor pool (and one loan from it)
MAX_ROOMS = 10_000  # one venue
MAX_SEATS = 1_000  # one room
MAX_CLASS = 1_000  # one course's min_class and max_class
MAX_COURSE_HOURS = 200  # a course, e-learning or self-training: five working weeks
MAX_HOURS_PER_DAY = 24  # a pace of e-learning or self-training: a day has 24 hours
MAX_TURNOVER_PER_YEAR = 5  # leavers a year per post; 5 is a post refilled every ten weeks

# -- uncertain values -------------------------------------------------------------------
# A distribution whose values have no upper end (lognormal, exponential, gamma, Poisson,
# normal without `high`) can still exceed a key's bound; it is accepted when at most
# 1 draw in TAIL_PROBABILITY**-1 does, and when even 1 draw in FAR_TAIL_PROBABILITY**-1
# stays within FAR_TAIL_FACTOR times the bound (so no draw in a long run overflows a date).
TAIL_PROBABILITY = 0.001
FAR_TAIL_PROBABILITY = 1e-12
FAR_TAIL_FACTOR = 100
# Any parameter of a distribution (mean, sd, low, high, mode, values, weights): larger
# magnitudes overflow numpy's samplers (uniform's range, Poisson's mean).
MAX_DISTRIBUTION_PARAMETER = 1e9

# -- text -------------------------------------------------------------------------------
MAX_ID_LENGTH = 64  # ids of sites, groups, curricula, pools, venues; scenario names
MAX_NAME_LENGTH = 200  # display names (and other short texts) that land in tables and figures
MAX_DESCRIPTION_LENGTH = 2_000  # descriptions of models, experiments and scenarios
MAX_PATH_LENGTH = 4_096  # a file named in a model or experiment (Linux's PATH_MAX)

# The first characters of a spreadsheet formula (Excel, LibreOffice, Google Sheets): no id
# may start with one, and text written to a CSV file that does gets an apostrophe first.
FORMULA_START = ("=", "+", "-", "@")

# -- files ------------------------------------------------------------------------------
MAX_TOML_BYTES = 5_000_000  # a model or experiment file
MAX_CSV_BYTES = 50_000_000  # a headcount CSV
MAX_NESTING = 50  # tables or arrays within each other in a TOML file

"""Everything the engine runs compiled: the planner's inner loop, the queues of learners,
rooms and instructors, for every slot of every open day between two SimPy events.

Profiling showed nearly all of a replication's time in the planner's Python (about 125 µs
per batch of classes booked, some 900 batches a replication), not in SimPy; so the
planner's rules run here, compiled with numba, on arrays the engine sets up
(sim/engine/rollout.py, queues.py, resources.py). SimPy stays the clock and the process
model: the engine's planner process calls :func:`plan` for the days up to the next SimPy
event (a go-live decision), then yields to it. The rules are those of docs/model.md.

All compiled code is in this one file on purpose: numba's on-disk cache checks each
function against its own file only, so a function compiled into another (the planner
inlines the queue functions) would keep running old code after a change to a callee in
another file.

Random numbers come from buffers the engine fills from the replication's named streams
(:data:`ATTENDANCE` ...), in the order the rules use them; :func:`plan` stops at the start
of a day on which a buffer might run dry and is called again once it is refilled.

Arguments are tuples of arrays (built in ``Engine._arrays``, whose comments give each
layout); integers that never change during a replication are in ``consts``.
"""
from __future__ import annotations

import math

import numba
import numpy as np

# Random buffers, per site.
ATTENDANCE, INSTRUCTOR_SICK, PROFICIENCY, NO_SHOW_WAIT, SICK_WAIT = range(5)
N_BUFFERS = 5
# Per-site counters, in the order of SiteCounters' integer fields.
(C_RUN, C_CANCELLED, C_COVERED, C_UNDERFILLED, C_REFRESHER, C_NO_SHOWS, C_SICK, C_PROF_FAIL, C_TAUGHT,
 C_ON_DUTY, C_USED, C_OPEN) = range(12)
N_COUNTERS = 12
# Weekly counts, in the order of fields.WEEKLY_FIELDS.
W_RUN, W_CANCELLED, W_UNDERFILLED, W_TAUGHT, W_ON_DUTY, W_USED, W_OPEN = range(7)
# consts
K_S, K_POLICY, K_BY_SITE, K_HORIZON, K_ANY_PREP, K_MONDAY, K_RECORD, K_MAX_MEMBERS, K_ROOMS = range(9)
N_CONSTS = 9
POLICY_BY_SITE, POLICY_EARLIEST, POLICY_BACKLOG = range(3)
# Scratch arrays (SC), made once per replication by scratch() so that booking a class
# allocates nothing (allocations were ~33,000 a replication): all int64.
(S_AVAIL, S_LEFT, S_LEFT_SET, S_MEMBERS, S_FREE_ROOMS, S_CAPS_FREE, S_CAPS_SIZE, S_ROOM_COUNT, S_INSTRUCTORS,
 S_HEALTHY, S_SIZES, S_BOOKED, S_VENUE_OF, S_CAME, S_UNITS, S_UNIT_COUNTS, S_ATTENDED, S_ABSENT, S_ABSENT_READY,
 S_ROUTE_DONE, S_ROUTE_BATCH, S_FAILED, S_FAILED_READY, S_NEXT_READY, S_SHARES, S_SHARE_REM,
 S_Q_SITES, S_Q_WANTS, S_Q_DONE, S_Q_MEMBERS, S_MM_WANT, S_MM_OUT, S_MM_LEFT, S_O_OPEN, S_O_KEY, S_O_COURSES,
 S_O_BOUNDS, S_O_SHARED, S_FULL, S_QUOTA, S_IN_SEGMENTS, S_DUTY, S_O_TMP_KEY, S_O_TMP_OPEN) = range(44)
# Every function below is compiled without numba's reference counting (NRT): perf showed
# its increments and decrements (one per array taken out of a tuple or passed on, per
# call) costing a fifth of a replication. So nothing here allocates: scratch arrays are
# made in Python (scratch()), and results are written into arrays given. (queue_order,
# called from Python only, allocates and keeps the counting.) An index past an array's
# end is not checked here: tests/engine/test_kernel_bounds.py runs the engine's tests in
# a build that checks every one.
COMPILE = numba.njit(cache=True, _nrt=False)  # type: ignore[call-overload]  # _nrt: not in numba's stubs
# What plan() returns besides a day to resume from.
DONE = -1
# "Nobody": larger than any day, so it loses every min() and every "ready by" test.
NONE = 2**62


# -- queues of learners (set up in sim/engine/queues.py) -----------------------------------------
# Q = (init, state, buckets, entries, free): few arrays, because every array a compiled
# function touches costs it a reference count up and down (measured: more than the rules).
# init[row, i]: learners known at the start, per queue sorted by ready day.
INIT_ID, INIT_READY, INIT_LEAVE = range(3)
# state[q, column]: each queue's slice of init, its cursors and counts.
(Q_START, Q_END, Q_PTR, Q_REL, Q_DAY, Q_READY, Q_PENDING, Q_PENDING_MIN, Q_FIRST) = range(9)
N_QUEUE_STATE = 9
# buckets[row, q, day]: first and last entry of the day's batches (-1: none), and how many.
B_HEAD, B_TAIL, B_COUNT = range(3)
# entries[row, e]: the learner, the next entry of its bucket (or of the free list), and
# whether it ends its batch.
E_ID, E_NEXT, E_LAST = range(3)


@numba.njit(cache=True)  # allocates: called from Python only
def queue_order(queue: np.ndarray, ready: np.ndarray, n_queues: int, cap: int) -> np.ndarray:
    """The learners with ``queue[i] >= 0``, by queue, then ready day, then id: a counting
    sort, one pass each way (a general sort of the ~25,000 learners took ~1.5 ms).
    Days from ``cap`` on count as ``cap``: the planner never tells those apart."""
    lo = 0
    for i in range(queue.size):
        if queue[i] >= 0 and ready[i] < lo:
            lo = ready[i]
    width = cap - lo + 1
    start = np.zeros(n_queues * width + 1, np.int64)
    for i in range(queue.size):
        if queue[i] >= 0:
            start[queue[i] * width + min(ready[i], cap) - lo + 1] += 1
    for k in range(1, start.size):
        start[k] += start[k - 1]
    out = np.empty(start[-1], np.int64)
    for i in range(queue.size):
        if queue[i] >= 0:
            k = queue[i] * width + min(ready[i], cap) - lo
            out[start[k]] = i
            start[k] += 1
    return out


@COMPILE
def queue_release(Q, q: int, day: int) -> None:
    """Make learners ready by ``day`` available (days only move forward)."""
    init, st, bk = Q[0], Q[1], Q[2]
    if day <= st[q, Q_DAY]:
        return
    st[q, Q_DAY] = day
    # The learners known at the start: the cursor past the last one ready by today.
    lo, hi = st[q, Q_REL], st[q, Q_END]  # the cursor starts at the queue's start and only moves on
    while lo < hi:  # bisect right
        mid = (lo + hi) // 2
        if init[INIT_READY, mid] <= day:
            lo = mid + 1
        else:
            hi = mid
    st[q, Q_REL] = lo
    if st[q, Q_PENDING] == 0 or st[q, Q_PENDING_MIN] > day:
        return
    last = min(day, bk.shape[2] - 2)  # the last bucket is never released
    b = st[q, Q_PENDING_MIN]
    if b < st[q, Q_FIRST] or st[q, Q_READY] == 0:
        st[q, Q_FIRST] = b
    while b <= last:
        c = bk[B_COUNT, q, b]
        if c:
            st[q, Q_READY] += c
            st[q, Q_PENDING] -= c
        b += 1
    # The next pending bucket: each day is scanned once over the run.
    st[q, Q_PENDING_MIN] = NONE
    if st[q, Q_PENDING]:
        while bk[B_COUNT, q, b] == 0:
            b += 1
        st[q, Q_PENDING_MIN] = b


@COMPILE
def queue_available(Q, q: int, day: int) -> int:
    """Learners that may be booked on ``day`` (leavers not yet dropped)."""
    queue_release(Q, q, day)
    st = Q[1]
    return st[q, Q_READY] + max(st[q, Q_REL] - st[q, Q_PTR], 0)


@COMPILE
def queue_next_ready(Q, q: int) -> int:
    """The earliest day a learner not yet available becomes ready (NONE: nobody)."""
    init, st = Q[0], Q[1]
    i = max(st[q, Q_REL], st[q, Q_PTR])
    best = init[INIT_READY, i] if i < st[q, Q_END] else NONE
    if st[q, Q_PENDING] and st[q, Q_PENDING_MIN] < best:
        best = st[q, Q_PENDING_MIN]
    return best


@COMPILE
def queue_add(Q, q: int, ids: np.ndarray, ready: int) -> None:
    """Queue a batch of learners who may be booked from day ``ready`` on."""
    n = ids.size
    if n == 0:
        return
    st, bk, en, free = Q[1], Q[2], Q[3], Q[4]
    b = min(ready, bk.shape[2] - 1)
    for i in range(n):
        e = free[0]
        if e < 0:
            raise RuntimeError("queue entries exhausted: a learner is queued twice")
        free[0] = en[E_NEXT, e]
        en[E_ID, e] = ids[i]
        en[E_NEXT, e] = -1
        en[E_LAST, e] = i == n - 1
        if bk[B_TAIL, q, b] < 0:
            bk[B_HEAD, q, b] = e
        else:
            en[E_NEXT, bk[B_TAIL, q, b]] = e
        bk[B_TAIL, q, b] = e
    bk[B_COUNT, q, b] += n
    if b <= st[q, Q_DAY]:  # ready already: released at once
        if b < st[q, Q_FIRST] or st[q, Q_READY] == 0:
            st[q, Q_FIRST] = b
        st[q, Q_READY] += n
    else:
        st[q, Q_PENDING] += n
        if b < st[q, Q_PENDING_MIN]:
            st[q, Q_PENDING_MIN] = b


@COMPILE
def _drop_leavers(st: np.ndarray, bk: np.ndarray, en: np.ndarray, free: np.ndarray, q: int, b: int, day: int,
                  leave: np.ndarray) -> int:
    """Drop the learners who left by ``day`` from the batch at the head of bucket ``b``;
    returns how many of the batch stay."""
    prev = -1
    kept = 0
    e = bk[B_HEAD, q, b]
    while True:
        nxt, last = en[E_NEXT, e], en[E_LAST, e]
        if leave[en[E_ID, e]] <= day:
            if prev < 0:
                bk[B_HEAD, q, b] = nxt
            else:
                en[E_NEXT, prev] = nxt
                if last:
                    en[E_LAST, prev] = 1
            if bk[B_TAIL, q, b] == e:
                bk[B_TAIL, q, b] = prev
            bk[B_COUNT, q, b] -= 1
            st[q, Q_READY] -= 1
            en[E_NEXT, e] = free[0]
            free[0] = e
        else:
            prev = e
            kept += 1
        if last:
            break
        e = nxt
    return kept


@COMPILE
def queue_take(Q, q: int, k: int, day: int, leave: np.ndarray, out: np.ndarray, n_out: int) -> int:
    """Move up to ``k`` learners ready on ``day`` into ``out`` from index ``n_out``,
    dropping leavers (``leave``: leave day by learner id); returns the new length of ``out``."""
    queue_release(Q, q, day)
    init, st, bk, en, free = Q
    got = 0
    while got < k and (st[q, Q_READY] > 0 or st[q, Q_PTR] < st[q, Q_REL]):
        if st[q, Q_READY] > 0:
            b = st[q, Q_FIRST]
            while bk[B_COUNT, q, b] == 0:
                b += 1
            st[q, Q_FIRST] = b
            if _drop_leavers(st, bk, en, free, q, b, day, leave) == 0:
                continue  # every one of the batch had left: on to the next
            # Take from the front of the batch; what is left of it stays in front.
            while got < k and bk[B_COUNT, q, b] > 0:
                e = bk[B_HEAD, q, b]
                last = en[E_LAST, e]
                out[n_out] = en[E_ID, e]
                n_out += 1
                got += 1
                bk[B_HEAD, q, b] = en[E_NEXT, e]
                if bk[B_TAIL, q, b] == e:
                    bk[B_TAIL, q, b] = -1
                bk[B_COUNT, q, b] -= 1
                st[q, Q_READY] -= 1
                en[E_NEXT, e] = free[0]
                free[0] = e
                if last:
                    break
        else:
            stop = min(st[q, Q_REL], st[q, Q_PTR] + (k - got))
            for i in range(st[q, Q_PTR], stop):
                if init[INIT_LEAVE, i] > day:
                    out[n_out] = init[INIT_ID, i]
                    n_out += 1
                    got += 1
            st[q, Q_PTR] = stop
    return n_out


# -- rooms and instructors (set up in sim/engine/resources.py) -------------------------------------
@COMPILE
def start_day(IN, day: int) -> None:
    """Who serves which site today: their pools' sites, except instructors on loan,
    who serve only the borrower (``IN[14]``: the site each is lent to today, or -1)."""
    ln_ptr, ln_ids, ln_site, ln_first, ln_last = IN[3], IN[4], IN[5], IN[6], IN[7]
    duty_day, lent_to = IN[11], IN[14]
    for t in range(ln_ids.size):  # only instructors with loans can be lent
        lent_to[ln_ids[t]] = -1
    for j in range(ln_site.size):
        if ln_first[j] <= day <= ln_last[j]:
            for t in range(ln_ptr[j], ln_ptr[j + 1]):
                lent_to[ln_ids[t]] = ln_site[j]
    for s in range(duty_day.size):
        duty_day[s] = -1  # on_duty lists are built again when first asked for today


@COMPILE
def on_duty(IN, s: int, day: int) -> int:
    """How many instructors are certified and assigned to site ``s`` today (busy or
    not); their numbers are in ``IN[13][s, :count]``."""
    certified, base, duty_day, duty_n, duty_ids, lent_to = IN[0], IN[2], IN[11], IN[12], IN[13], IN[14]
    may_ptr, may_ids = IN[15], IN[16]
    if duty_day[s] != day:
        n = 0
        # Only those who may ever serve the site (by number): a site's own and those
        # lent to it, not every instructor of the region.
        for t in range(may_ptr[s], may_ptr[s + 1]):
            i = may_ids[t]
            serves = lent_to[i] == s if lent_to[i] >= 0 else base[i, s]
            if serves and certified[i] <= day:
                duty_ids[s, n] = i
                n += 1
        duty_n[s] = n
        duty_day[s] = day
    return duty_n[s]


@COMPILE
def free_instructors(IN, s: int, day: int, now: float, ids: np.ndarray) -> int:
    """Write the instructors who could teach at ``s`` now into ``ids`` (room for every
    instructor), by number, and return how many; :func:`least_used_first` puts the ones
    to ask first in front."""
    busy_until, duty_ids = IN[8], IN[13]
    n = on_duty(IN, s, day)
    m = 0
    for t in range(n):
        i = duty_ids[s, t]
        if busy_until[i] <= now:  # an instructor off sick is busy all day
            ids[m] = i
            m += 1
    return m


@COMPILE
def least_used_first(ids: np.ndarray, taught: np.ndarray, start: int, stop: int) -> None:
    """Order ``ids[start:stop]`` as the least used so far (ties: the lowest number) of
    ``ids[start:]``, which must be by number: the order instructors are asked in.

    Only as far as needed: a class or two needs a few of a site's dozens of instructors,
    so picking them one at a time beats sorting all (a sort was ~5% of a replication).
    Each pick moves the least used up and the ones it passes one place down, which keeps
    the rest in order of number.
    """
    for a in range(start, min(stop, ids.size)):
        best = a
        for b in range(a + 1, ids.size):
            if taught[ids[b]] < taught[ids[best]]:
                best = b
        pick = ids[best]
        for b in range(best, a, -1):
            ids[b] = ids[b - 1]
        ids[a] = pick


@COMPILE
def release_rooms(VN, now: float) -> None:
    """Rooms of sessions that ended by ``now`` are free again."""
    venue_free, hold_end, hold_venue, hold_count, n_holds = VN
    h = 0
    while h < n_holds[0]:
        if hold_end[h] <= now:
            venue_free[hold_venue[h]] += hold_count[h]
            last = n_holds[0] - 1
            hold_end[h], hold_venue[h], hold_count[h] = hold_end[last], hold_venue[last], hold_count[last]
            n_holds[0] = last
        else:
            h += 1


# -- random draws -------------------------------------------------------------------------------------
@COMPILE
def _draw(buf: np.ndarray, pos: np.ndarray, s: int, j: int) -> float:
    """The next number of site ``s``'s buffer ``j`` (buf and pos: RB[0] and RB[1], taken
    out of the tuple once by the caller: each access to a tuple's array costs a
    reference count up and down)."""
    x = buf[s, j, pos[s, j]]
    pos[s, j] += 1
    return x


@COMPILE
def _geometric(u: float, p: float) -> int:
    """Attempts until the first pass, from one uniform draw: the smallest x with
    u <= 1 - (1 - p)^x, summed as numpy's search method does (for p >= 1/3 the same
    number numpy's Generator.geometric gives from the same draw; exact for every p)."""
    x = 1
    total = p
    prod = p
    q = 1.0 - p
    while u > total:
        prod *= q
        total += prod
        x += 1
        if prod == 0.0:  # u within rounding of 1: the tail is empty
            break
    return x


# -- calendar --------------------------------------------------------------------------------
@COMPILE
def _add_working_days(ST, s: int, day: int, n: int) -> int:
    """The day on which the n-th working day from ``day`` (counted if working) ends."""
    if n <= 0:
        return day
    wpos, wpad, w_count = ST[14], ST[15], ST[16]
    idx = wpos[s, day] + n - 1
    if idx < 0:
        idx = 0
    if idx > w_count[s]:
        idx = w_count[s]
    return wpad[s, idx]


@COMPILE
def _after_working_day(wpos: np.ndarray, wpad: np.ndarray, w_count: np.ndarray, s: int, day: int, n: int) -> int:
    """For a working ``day``: the day on which ``n`` further working days are done
    (the calendar arrays ST[14:17], taken out once by the caller)."""
    return wpad[s, min(wpos[s, day] + n, w_count[s])]


@COMPILE
def _session_end(consts, ST, s: int, day: int, now: float, n_slots: int) -> tuple[int, float]:
    """Last day and end (in slots) of a session starting now: within the day if it fits,
    else from the first slot over the following working days."""
    S = consts[K_S]
    if n_slots <= S:
        return day, now + n_slots
    n_days = (n_slots + S - 1) // S
    last = _add_working_days(ST, s, day, n_days)
    return last, float(last * S + n_slots - (n_days - 1) * S)


@COMPILE
def _staff(consts, ST, IN, RB, s: int, candidates: np.ndarray, wanted: int, day: int,
           healthy: np.ndarray) -> tuple[int, int, int]:
    """Healthy instructors for ``wanted`` classes, written into ``healthy``: (how many,
    classes covered, classes cancelled).

    An instructor's health is drawn the first time they are needed on a day; a sick
    instructor's class is covered by a free colleague, or else cancelled.
    """
    busy_until, checked, taught = IN[8], IN[9], IN[10]
    least_used_first(candidates, taught, 0, wanted)
    ordered = min(wanted, candidates.size)
    all_seen = True
    for t in range(min(wanted, candidates.size)):
        if checked[candidates[t]] != day:
            all_seen = False
            break
    if all_seen:  # all seen well earlier today (a sick one would not be free)
        for t in range(ordered):
            healthy[t] = candidates[t]
        return ordered, 0, 0
    p_sick = ST[11][s]
    buf, pos = RB[0], RB[1]
    found = 0
    looked = 0
    sick_assigned = -1
    while found < wanted and looked < candidates.size:
        stop = min(looked + wanted - found, candidates.size)
        if stop > ordered:
            least_used_first(candidates, taught, ordered, stop)
            ordered = stop
        n_chunk = stop - looked
        n_well = 0
        for t in range(looked, stop):
            i = candidates[t]
            if checked[i] != day:  # free now, so anyone checked already today is well
                checked[i] = day
                if _draw(buf, pos, s, INSTRUCTOR_SICK) < p_sick:
                    busy_until[i] = (day + 1) * consts[K_S]  # off sick for the rest of the day
                    continue
            healthy[found + n_well] = i
            n_well += 1
        looked = stop
        if sick_assigned < 0:
            sick_assigned = n_chunk - n_well  # sick among those first picked
        found += n_well
    if sick_assigned < 0:
        sick_assigned = 0
    covered = found - (min(wanted, candidates.size) - sick_assigned)
    return found, covered, sick_assigned - covered


# -- learners ------------------------------------------------------------------------------------
@COMPILE
def _ready(DM, UN, Q, d: int, day: int, load: np.ndarray, avail: np.ndarray, left: np.ndarray,
           left_set: np.ndarray) -> tuple[int, bool]:
    """Per staff group of course ``d``, how many may be booked now within their units'
    daily limits (into ``avail``); returns the total and whether a unit's limit (not a
    lack of learners) cut it. Groups of one unit share its limit, first come first served."""
    dg_ptr, dg_queue, dg_unit = DM[8], DM[9], DM[10]
    cap = UN[0]
    total = 0
    capped = False
    lo, hi = dg_ptr[d], dg_ptr[d + 1]
    for t in range(lo, hi):
        left_set[dg_unit[t]] = 0
    for t in range(lo, hi):
        u = dg_unit[t]
        a = queue_available(Q, dg_queue[t], day)
        room = left[u] if left_set[u] else cap[u] - load[u]
        got = max(0, min(a, room))
        if got < a:
            capped = True
        left[u] = room - got
        left_set[u] = 1
        avail[t - lo] = got
        total += got
    return total, capped


@COMPILE
def _upcoming(DM, Q, d: int) -> int:
    """The earliest day a learner of course ``d`` not yet available becomes ready (NONE: nobody)."""
    dg_ptr, dg_queue = DM[8], DM[9]
    best = NONE
    for t in range(dg_ptr[d], dg_ptr[d + 1]):
        nxt = queue_next_ready(Q, dg_queue[t])
        if nxt < best:
            best = nxt
    return best


@COMPILE
def _classes(consts, DM, Q, d: int, total: int, caps_free: np.ndarray, caps_size: np.ndarray, n_caps: int,
             day: int, limit: int, hold: bool) -> int:
    """How many classes to run for ``total`` ready learners, at most ``limit``; classes
    are filled in venue order. With ``hold``, the last class is dropped when it would be
    below the minimum size and more learners become ready within the booking horizon."""
    n = 0
    seated = 0
    last = 0
    for j in range(n_caps):
        size = caps_size[j]
        k = min(caps_free[j], limit - n, -(-(total - seated) // size))
        if k <= 0:
            break
        n += k
        seated += k * size
        last = size - (seated - total) if seated > total else size
    if n and hold and last < DM[5][d] and _upcoming(DM, Q, d) <= day + consts[K_HORIZON]:
        n -= 1
    return n


@COMPILE
def _shares(available: np.ndarray, want: int, out: np.ndarray, rem: np.ndarray) -> None:
    """Split ``want`` places over groups in proportion to how many each has ready;
    remainders to the largest fractions, ties to the first group (no group starved).
    Written into ``out`` (``rem``: scratch as long)."""
    n = available.size
    total = available.sum()
    if want >= total:
        for i in range(n):
            out[i] = available[i]
        return
    given = 0
    for i in range(n):
        out[i] = available[i] * want // total
        rem[i] = available[i] * want % total  # the fraction's numerator, over total
        given += out[i]
    for _ in range(want - given):  # fewer than the groups: pick the largest one at a time
        best = 0
        for i in range(1, n):
            if rem[i] > rem[best]:
                best = i
        out[best] += 1
        rem[best] = -1


@COMPILE
def _route(DM, LN, Q, stage: int, ids: np.ndarray, ready: np.ndarray, done: np.ndarray, batch: np.ndarray) -> None:
    """Queue learners for a stage of their curriculum, from their ready days, one batch
    per (group, day) in order of first appearance (``done`` and ``batch``: scratch)."""
    group, queue_of, demand_of, idle_until = LN[0], DM[16], DM[17], DM[12]
    n = ids.size
    done[:n] = 0
    for i in range(n):
        if done[i]:
            continue
        g, r = group[ids[i]], ready[i]
        m = 0
        for j in range(i, n):
            if not done[j] and group[ids[j]] == g and ready[j] == r:
                done[j] = 1
                batch[m] = ids[j]
                m += 1
        queue_add(Q, queue_of[g, stage], batch[:m], r)
        idle_until[demand_of[g, stage]] = 0


@COMPILE
def _advance(consts, ST, DM, LN, Q, CU, OUT, RB, SC, d: int, came: np.ndarray, last_day: int) -> None:
    """Learners who attended move on: the next course, or self-training and the check."""
    if came.size == 0:
        return
    trained, self_trained, refresh_day, refresh_queued = LN[3], LN[4], LN[5], LN[6]
    s, c, stage = DM[0][d], DM[1][d], DM[2][d]
    if DM[4][d]:  # the refresher
        for i in came:
            refresh_day[i] = last_day
            refresh_queued[i] = False
        return
    if stage + 1 < CU[4][c]:
        ready = SC[S_NEXT_READY][:came.size]
        ready[:] = last_day + 1
        _route(DM, LN, Q, stage + 1, came, ready, SC[S_ROUTE_DONE], SC[S_ROUTE_BATCH])
        return
    st_days = LN[2]
    gate = ST[12][s]
    wpos, wpad, w_count = ST[14], ST[15], ST[16]
    buf, pos = RB[0], RB[1]
    p, has_prof, max_attempts, retake = CU[0][c], CU[1][c], CU[2][c], CU[3][c]
    failed, failed_ready = SC[S_FAILED], SC[S_FAILED_READY]
    n_failed = 0
    for i in came:
        self_done = _after_working_day(wpos, wpad, w_count, s, last_day, st_days[i])  # the class's last day is working
        self_trained[i] = self_done
        # The check follows the class, or self-training where that gates "trained".
        done = self_done if gate else last_day
        if not has_prof:
            trained[i] = done
            continue
        attempts = _geometric(_draw(buf, pos, s, PROFICIENCY), p) if p > 0 else max_attempts + 1
        if attempts <= max_attempts:
            trained[i] = done + (attempts - 1) * retake
        else:
            failed[n_failed] = i
            failed_ready[n_failed] = done + max_attempts * retake + 1
            n_failed += 1
    if n_failed:
        OUT[0][s, C_PROF_FAIL] += n_failed
        _route(DM, LN, Q, stage, failed[:n_failed], failed_ready[:n_failed], SC[S_ROUTE_DONE], SC[S_ROUTE_BATCH])


# -- booking ---------------------------------------------------------------------------------------
@COMPILE
def _book(consts, ST, VN, DM, LN, Q, IN, UN, CU, OUT, RB, SC, d: int, room_count: np.ndarray, teachers: np.ndarray,
          covered: int, members: np.ndarray, units: np.ndarray, unit_counts: np.ndarray, n_units: int,
          booked: np.ndarray, day: int, now: float, load: np.ndarray) -> None:
    """Run ``teachers.size`` classes now, ``room_count[j]`` of them in the site's j-th
    venue: hold rooms and instructors, record who came. ``members`` fill the classes in
    order, ``booked`` of them each."""
    S = consts[K_S]
    s, slots = DM[0][d], DM[3][d]
    counters, first_slot, weekly = OUT[0], OUT[1], OUT[2]
    n = teachers.size
    last_day, end = _session_end(consts, ST, s, day, now, slots)
    for t in range(n_units):
        load[units[t]] += unit_counts[t]
    is_working, unit_load = ST[13], UN[1]
    for span_day in range(day + 1, last_day + 1):  # the later days of a multi-day class
        if is_working[s, span_day]:
            for t in range(n_units):
                unit_load[span_day, units[t]] += unit_counts[t]
    busy_until, prep, taught = IN[8], IN[1], IN[10]
    for i in teachers:
        if consts[K_ANY_PREP]:  # preparation after the last slot of a day happens overnight
            busy_until[i] = min(end + prep[i], math.ceil(end / S) * S)
        else:
            busy_until[i] = end
        taught[i] += slots
    venue_free, hold_end, hold_venue, hold_count, n_holds = VN
    sv_ptr, sv_idx = ST[0], ST[1]
    venue_of_class = SC[S_VENUE_OF]
    c = 0
    for j in range(sv_ptr[s + 1] - sv_ptr[s]):
        k = room_count[j]
        if k:
            v = sv_idx[sv_ptr[s] + j]
            venue_free[v] -= k
            h = n_holds[0]
            hold_end[h], hold_venue[h], hold_count[h] = end, v, k
            n_holds[0] = h + 1
            for _ in range(k):
                venue_of_class[c] = v
                c += 1
    # Who comes: one draw per learner decides both absences (below p_no_show: a no-show;
    # in the next band of width (1 - p_no_show) * p_sick: sick), so each keeps its probability.
    p_absent, p_no_show = ST[10][s], ST[9][s]
    buf, pos = RB[0], RB[1]
    came = SC[S_CAME][:n]
    for j in range(n):
        came[j] = booked[j]
    attended, absent_ids, absent_ready = SC[S_ATTENDED], SC[S_ABSENT], SC[S_ABSENT_READY]
    n_att = 0
    n_abs = 0
    n_no_show = 0
    cls = 0
    filled = booked[0]
    for t in range(members.size):
        while t >= filled:  # the class of the t-th member
            cls += 1
            filled += booked[cls]
        u = _draw(buf, pos, s, ATTENDANCE)
        if u >= p_absent:
            attended[n_att] = members[t]
            n_att += 1
            continue
        # Absent learners wait, then may be booked again for the same course.
        if u < p_no_show:
            n_no_show += 1
            wait = _draw(buf, pos, s, NO_SHOW_WAIT)
        else:
            wait = _draw(buf, pos, s, SICK_WAIT)
        if not wait < 1e15:  # an infinite or NaN draw: never back (and no overflow)
            wait = 1e15
        absent_ids[n_abs] = members[t]
        absent_ready[n_abs] = day + 1 + np.int64(math.ceil(wait))
        n_abs += 1
        came[cls] -= 1
    if n_abs:
        _route(DM, LN, Q, DM[2][d], absent_ids[:n_abs], absent_ready[:n_abs], SC[S_ROUTE_DONE], SC[S_ROUTE_BATCH])
    if first_slot[s] < 0:
        first_slot[s] = now
    min_class = DM[5][d]
    underfilled = 0
    for x in came:
        if x < min_class:
            underfilled += 1
    week = (day + consts[K_MONDAY]) // 7
    counters[s, C_RUN] += n
    counters[s, C_COVERED] += covered
    counters[s, C_UNDERFILLED] += underfilled
    weekly[s, W_RUN, week] += n
    weekly[s, W_UNDERFILLED, week] += underfilled
    weekly[s, W_TAUGHT, week] += n * slots
    weekly[s, W_USED, week] += n * slots
    if DM[4][d]:
        counters[s, C_REFRESHER] += n
    counters[s, C_NO_SHOWS] += n_no_show
    counters[s, C_SICK] += n_abs - n_no_show
    if day < ST[7][s]:
        counters[s, C_TAUGHT] += n * slots
        counters[s, C_USED] += n * slots
    if consts[K_RECORD]:
        sessions, n_sessions = OUT[3], OUT[4]
        for j in range(n):
            r = n_sessions[0]
            sessions[r, 0], sessions[r, 1], sessions[r, 2] = s, venue_of_class[j], teachers[j]
            sessions[r, 3], sessions[r, 4], sessions[r, 5], sessions[r, 6] = DM[1][d], DM[2][d], now, end
            sessions[r, 7], sessions[r, 8], sessions[r, 9] = booked[j], came[j], 1.0 if j < covered else 0.0
            n_sessions[0] = r + 1
    _advance(consts, ST, DM, LN, Q, CU, OUT, RB, SC, d, attended[:n_att], last_day)


@COMPILE
def _fill(consts, ST, VN, DM, LN, Q, IN, UN, CU, OUT, RB, d: int, day: int, now: float, load: np.ndarray,
          quota: int, SC) -> tuple[bool, int]:
    """Book as many classes of course ``d`` as learners, rooms (at most ``quota`` if it
    is >= 0) and instructors allow now. Returns whether the site has no instructor or
    room left in this slot, and the classes booked. A course that cannot book for want of
    learners is skipped until that can change."""
    avail, left, left_set, members = SC[S_AVAIL], SC[S_LEFT], SC[S_LEFT_SET], SC[S_MEMBERS]
    S = consts[K_S]
    s, slots = DM[0][d], DM[3][d]
    idle_until = DM[12]
    total, capped = _ready(DM, UN, Q, d, day, load, avail, left, left_set)
    if total == 0:
        # Nobody ready: wait for the next; only the units' daily limits: try tomorrow.
        idle_until[d] = day + 1 if capped else _upcoming(DM, Q, d)
        return False, 0
    sv_ptr, sv_idx, venue_free = ST[0], ST[1], VN[0]
    n_venues = sv_ptr[s + 1] - sv_ptr[s]
    free_rooms = SC[S_FREE_ROOMS]
    budget = quota
    for j in range(n_venues):
        f = venue_free[sv_idx[sv_ptr[s] + j]]
        if quota >= 0:  # the first free rooms, up to the quota
            f = min(f, budget)
            budget -= f
        free_rooms[j] = f
    caps_free, caps_size = SC[S_CAPS_FREE], SC[S_CAPS_SIZE]
    n_caps = 0
    rooms_free = 0
    csize = DM[7]
    for j in range(n_venues):
        if free_rooms[j]:
            caps_free[n_caps], caps_size[n_caps] = free_rooms[j], csize[d, j]
            n_caps += 1
            rooms_free += free_rooms[j]
    hold = not capped  # a class kept small by a unit's daily limit runs: waiting would not fill it
    if _classes(consts, DM, Q, d, total, caps_free, caps_size, n_caps, day, rooms_free, hold) == 0:
        nxt = _upcoming(DM, Q, d)
        idle_until[d] = day + 1 if nxt == NONE else max(day + 1, nxt)  # new arrivals reset this
        return False, 0
    if slots > S and _session_end(consts, ST, s, day, now, slots)[0] > ST[8][s]:
        idle_until[d] = 10**9  # a multi-day course no longer ends within the site's horizon
        return False, 0
    candidates = SC[S_INSTRUCTORS][:free_instructors(IN, s, day, now, SC[S_INSTRUCTORS])]
    if candidates.size == 0:
        return True, 0
    wanted = _classes(consts, DM, Q, d, total, caps_free, caps_size, n_caps, day, min(rooms_free, candidates.size),
                      hold)
    n_teachers, covered, cancelled = _staff(consts, ST, IN, RB, s, candidates, wanted, day, SC[S_HEALTHY])
    teachers = SC[S_HEALTHY][:n_teachers]
    n = _classes(consts, DM, Q, d, total, caps_free, caps_size, n_caps, day, teachers.size, hold)
    lost = min(cancelled, wanted - n)
    OUT[0][s, C_CANCELLED] += lost
    OUT[2][s, W_CANCELLED, (day + consts[K_MONDAY]) // 7] += lost
    if n == 0:
        return teachers.size == 0, 0
    sizes = SC[S_SIZES]  # of the first n classes
    m = 0
    seats = 0
    for j in range(n_caps):
        for _ in range(min(caps_free[j], n - m)):
            sizes[m] = caps_size[j]
            seats += caps_size[j]
            m += 1
    # Take learners from the groups in proportion to how many each has ready.
    dg_ptr, dg_queue, dg_unit = DM[8], DM[9], DM[10]
    n_groups = dg_ptr[d + 1] - dg_ptr[d]
    want = min(total, seats)
    leave = LN[1]
    units, unit_counts = SC[S_UNITS], SC[S_UNIT_COUNTS]
    n_units = 0
    n_members = 0
    if n_groups == 1:
        n_members = queue_take(Q, dg_queue[dg_ptr[d]], want, day, leave, members, 0)
        units[0], unit_counts[0] = dg_unit[dg_ptr[d]], n_members
        n_units = 1
    else:
        shares = SC[S_SHARES]
        _shares(avail[:n_groups], want, shares, SC[S_SHARE_REM])
        for t in range(n_groups):
            if shares[t] > 0:
                before = n_members
                n_members = queue_take(Q, dg_queue[dg_ptr[d] + t], shares[t], day, leave, members, n_members)
                units[n_units], unit_counts[n_units] = dg_unit[dg_ptr[d] + t], n_members - before
                n_units += 1
    if n_members == 0:
        return False, 0  # everyone picked had left
    # Classes are filled in order; leavers dropped on the way can leave the last ones empty.
    booked = SC[S_BOOKED]
    nb = 0
    rest = n_members
    for j in range(n):
        if rest <= 0:
            break
        booked[nb] = min(sizes[j], rest)
        nb += 1
        rest -= sizes[j]
    # Classes go to the venues in order: the first free rooms are used.
    room_count = SC[S_ROOM_COUNT]
    taken = nb
    for j in range(n_venues):
        room_count[j] = min(free_rooms[j], taken)
        taken -= room_count[j]
    _book(consts, ST, VN, DM, LN, Q, IN, UN, CU, OUT, RB, SC, d, room_count, teachers[:nb], min(covered, nb),
          members[:n_members], units, unit_counts, n_units, booked[:nb], day, now, load)
    return False, nb


# -- a slot ----------------------------------------------------------------------------------------
@COMPILE
def _max_min(pool: int, want: np.ndarray, out: np.ndarray, left: np.ndarray) -> None:
    """Split ``pool`` whole units max-min fairly: nobody gets more than they want, and
    what the modest leave is split evenly among the rest (ties to the first listed).
    Written into the first ``want.size`` of ``out`` (``left``: scratch)."""
    for k in range(want.size):
        out[k] = 0
    for k in range(want.size):
        left[k] = want[k]
    n_left = 0
    for k in range(want.size):
        if left[k] > 0:
            n_left += 1
    while pool > 0 and n_left > 0:
        even = pool // n_left
        if even == 0:
            for k in range(want.size):
                if pool == 0:
                    break
                if left[k] > 0:
                    out[k] += 1
                    pool -= 1
            break
        for k in range(want.size):
            if left[k] > 0:
                give = min(left[k], even)
                out[k] += give
                pool -= give
                left[k] -= give
                if left[k] == 0:
                    n_left -= 1


@COMPILE
def _quotas(ST, VN, DM, UN, Q, tied: np.ndarray, day: int, load: np.ndarray, quota: np.ndarray,
            SC) -> bool:
    """Rooms each site may take first in this slot, where tied courses of several sites
    compete for the same venues: the free rooms split max-min fairly by the classes each
    site could fill now. Sets ``quota[site]`` (-1: no quota) and returns whether any was set."""
    avail, left, left_set = SC[S_AVAIL], SC[S_LEFT], SC[S_LEFT_SET]
    has_rival, rival, rg_ptr, rg_idx = ST[4], ST[3], ST[5], ST[6]
    idle_until, d_site, d_maxsize = DM[12], DM[0], DM[13]
    venue_free = VN[0]
    n = tied.size
    sites = SC[S_Q_SITES]  # sites wanting rooms, in the order first seen
    wants = SC[S_Q_WANTS]
    wants[:n] = 0
    n_sites = 0
    for d in tied:
        s = d_site[d]
        if day < idle_until[d] or not has_rival[s]:
            continue
        total = _ready(DM, UN, Q, d, day, load, avail, left, left_set)[0]
        if total:
            k = 0
            while k < n_sites and sites[k] != s:
                k += 1
            if k == n_sites:
                sites[k] = s
                n_sites += 1
            wants[k] += -(-total // d_maxsize[d])
    quota[:] = -1
    any_set = False
    done = SC[S_Q_DONE]
    done[:n_sites] = 0
    members, member_wants = SC[S_Q_MEMBERS], SC[S_MM_WANT]
    for a in range(n_sites):
        if done[a]:
            continue
        # The sites of a's group of venue-sharing sites, in reverse order of first seen:
        # an odd room goes to the site served last today (the first has first pick of
        # the rooms left over afterwards).
        m = 0
        for b in range(n_sites - 1, a - 1, -1):
            if not done[b] and rival[sites[b]] == rival[sites[a]]:
                members[m] = b
                member_wants[m] = wants[b]
                m += 1
                done[b] = 1
        if m > 1:  # a site with no rival keeps every room it has
            g = rival[sites[a]]
            pool = 0
            for t in range(rg_ptr[g], rg_ptr[g + 1]):
                pool += venue_free[rg_idx[t]]
            got = SC[S_MM_OUT]
            _max_min(pool, member_wants[:m], got, SC[S_MM_LEFT])
            for t in range(m):
                quota[sites[members[t]]] = got[t]
            any_set = True
    return any_set


@COMPILE
def _serve(consts, ST, VN, DM, LN, Q, IN, UN, CU, OUT, RB, tied: np.ndarray, day: int, k: int, now: float,
           load: np.ndarray, full: np.ndarray, quota: np.ndarray, use_quota: bool, SC) -> None:
    """Book classes of each course in turn (each site at most its quota of rooms, if used)."""
    S = consts[K_S]
    idle_until, d_site, d_slots = DM[12], DM[0], DM[3]
    sv_ptr, sv_idx, venue_free = ST[0], ST[1], VN[0]
    for d in tied:
        if day < idle_until[d]:
            continue
        n, s = d_slots[d], d_site[d]
        if full[s] or (n <= S and k + n > S) or (n > S and k != 0):
            continue
        q = quota[s] if use_quota else -1
        if use_quota and q == 0:
            continue
        room = False
        for t in range(sv_ptr[s], sv_ptr[s + 1]):
            if venue_free[sv_idx[t]]:
                room = True
                break
        if not room:
            full[s] = 1
            continue
        no_capacity, booked = _fill(consts, ST, VN, DM, LN, Q, IN, UN, CU, OUT, RB, d, day, now, load, q, SC)
        if no_capacity:
            full[s] = 1
        if use_quota and q >= 0:
            quota[s] = q - booked


@COMPILE
def _merge_sort(key: np.ndarray, value: np.ndarray, n: int, tmp_key: np.ndarray, tmp_value: np.ndarray) -> None:
    """Sort the first ``n`` of ``key`` (and ``value`` alongside), ties in their order:
    bottom-up merges through the scratch arrays (a model of many sites has hundreds of
    open courses a day; an insertion sort grew with their square)."""
    width = 1
    while width < n:
        for lo in range(0, n, 2 * width):
            mid, hi = min(lo + width, n), min(lo + 2 * width, n)
            i, j, k = lo, mid, lo
            while i < mid and j < hi:
                if key[j] < key[i]:
                    tmp_key[k], tmp_value[k] = key[j], value[j]
                    j += 1
                else:  # ties: the left (earlier) one first
                    tmp_key[k], tmp_value[k] = key[i], value[i]
                    i += 1
                k += 1
            while i < mid:
                tmp_key[k], tmp_value[k] = key[i], value[i]
                i += 1
                k += 1
            while j < hi:
                tmp_key[k], tmp_value[k] = key[j], value[j]
                j += 1
                k += 1
        for k in range(n):
            key[k], value[k] = tmp_key[k], tmp_value[k]
        width *= 2


@COMPILE
def _order(consts, ST, DM, Q, day: int, SC) -> int:
    """The courses open for booking today, in the order the scheduling policy serves
    them, as segments of tied courses: into SC, the courses, the segments' bounds and
    whether a segment holds courses of several sites that split rooms between them;
    returns the number of segments.

    Later stages first so that people who started finish, and super-users before
    end-users. Courses the policy ranks equal take turns first, day by day, so that two
    sites sharing a venue and a go-live share it rather than one going last.
    """
    open_by_day, target, d_site, d_kind, d_stage = DM[14], DM[15], DM[0], DM[6], DM[2]
    policy = consts[K_POLICY]
    now_open, key, courses, bounds, shared = SC[S_O_OPEN], SC[S_O_KEY], SC[S_O_COURSES], SC[S_O_BOUNDS], SC[S_O_SHARED]
    n = 0
    for d in range(open_by_day.shape[1]):
        if open_by_day[day, d]:
            now_open[n] = d
            n += 1
    for t in range(n):
        d = now_open[t]
        if policy == POLICY_EARLIEST:
            first = target[day, d_site[d]]
        elif policy == POLICY_BACKLOG:
            first = -_demand_available(DM, Q, d, day)
        else:
            first = d_site[d]
        key[t] = ((first + (1 << 40)) * 2 + d_kind[d]) * 1024 + (1023 - d_stage[d])
    _merge_sort(key, now_open, n, SC[S_O_TMP_KEY], SC[S_O_TMP_OPEN])
    n_seg = 0
    a = 0
    rival = ST[3]
    while a < n:
        b = a
        while b < n and key[b] == key[a]:
            b += 1
        size = b - a
        turn = day % size
        for t in range(size):
            courses[a + t] = now_open[a + (turn + t) % size]
        bounds[n_seg] = a
        shared[n_seg] = 0
        if consts[K_BY_SITE]:  # courses of two sites that share rooms among them?
            for i in range(a, b):
                for j in range(a, i):
                    si, sj = d_site[courses[i]], d_site[courses[j]]
                    if si != sj and rival[si] == rival[sj]:
                        shared[n_seg] = 1
        n_seg += 1
        a = b
    bounds[n_seg] = n
    return n_seg


@COMPILE
def _demand_available(DM, Q, d: int, day: int) -> int:
    dg_ptr, dg_queue = DM[8], DM[9]
    total = 0
    for t in range(dg_ptr[d], dg_ptr[d + 1]):
        total += queue_available(Q, dg_queue[t], day)
    return total


def scratch(consts: np.ndarray, DM: tuple, IN: tuple, n_units: int, n_sites: int) -> tuple[np.ndarray, ...]:
    """The scratch arrays (S_*), each as long as the most it can hold. Made in Python:
    the compiled functions allocate nothing (see :data:`COMPILE`)."""
    groups = DM[9].size  # entries of (course, group)
    venues = DM[7].shape[1]  # most venues of a site
    learners = int(consts[K_MAX_MEMBERS])  # most learners booked at once
    classes = int(consts[K_ROOMS]) + 1  # most classes started at once
    instructors = IN[0].size
    courses = DM[0].size
    sizes = {S_AVAIL: groups, S_LEFT: n_units, S_LEFT_SET: n_units, S_FREE_ROOMS: venues, S_CAPS_FREE: venues,
             S_CAPS_SIZE: venues, S_ROOM_COUNT: venues, S_INSTRUCTORS: instructors, S_HEALTHY: instructors,
             S_SIZES: classes, S_BOOKED: classes, S_VENUE_OF: classes, S_CAME: classes, S_UNITS: groups,
             S_UNIT_COUNTS: groups, S_SHARES: groups, S_SHARE_REM: groups, S_O_BOUNDS: courses + 1,
             S_FULL: n_sites, S_QUOTA: n_sites, S_IN_SEGMENTS: n_sites, S_DUTY: n_sites}
    for k in (S_Q_SITES, S_Q_WANTS, S_Q_DONE, S_Q_MEMBERS, S_MM_WANT, S_MM_OUT, S_MM_LEFT, S_O_OPEN, S_O_KEY,
              S_O_COURSES, S_O_SHARED, S_O_TMP_KEY, S_O_TMP_OPEN):
        sizes[k] = courses
    return tuple(np.zeros(sizes.get(k, learners), np.int64) for k in range(S_O_TMP_OPEN + 1))


@COMPILE
def plan(consts, ST, VN, DM, LN, Q, IN, UN, CU, OUT, RB, SC, open_days: np.ndarray, first: int, stop_day: int) -> int:
    """Plan every slot of the open days ``open_days[first:]`` before ``stop_day``.

    Returns DONE, or the index into ``open_days`` of a day at whose start a random buffer
    could run dry: the caller refills the buffers and calls again from there.
    """
    S = consts[K_S]
    n_sites = ST[2].size
    buf_pos, buf_len, need = RB[1], RB[2], RB[3]
    counters, weekly = OUT[0], OUT[2]
    unit_load, site_rooms, go_live = UN[1], ST[2], ST[7]
    full, quota, in_segments, duty = SC[S_FULL], SC[S_QUOTA], SC[S_IN_SEGMENTS], SC[S_DUTY]
    for i in range(first, open_days.size):
        day = open_days[i]
        if day >= stop_day:
            return DONE
        for s in range(n_sites):
            for j in range(N_BUFFERS):
                if buf_len[s, j] - buf_pos[s, j] < need[s, j]:
                    return i
        if consts[K_RECORD] and OUT[3].shape[0] - OUT[4][0] < consts[K_ROOMS] * S:
            return i  # room for a day's classes in the table of sessions
        start_day(IN, day)
        n_seg = _order(consts, ST, DM, Q, day, SC)
        bounds, shared = SC[S_O_BOUNDS][:n_seg + 1], SC[S_O_SHARED][:n_seg]
        courses = SC[S_O_COURSES][:bounds[n_seg]]
        in_segments[:] = 0
        for d in courses:
            in_segments[DM[0][d]] = 1
        for s in range(n_sites):
            duty[s] = on_duty(IN, s, day) if in_segments[s] else 0
        load = unit_load[day]
        week = (day + consts[K_MONDAY]) // 7
        for k in range(S):
            now = float(day * S + k)
            release_rooms(VN, now)
            full[:] = 0
            for g in range(bounds.size - 1):
                tied = courses[bounds[g]:bounds[g + 1]]
                if shared[g] and _quotas(ST, VN, DM, UN, Q, tied, day, load, quota, SC):
                    # First each site up to its share of the rooms, then what is left, in order.
                    _serve(consts, ST, VN, DM, LN, Q, IN, UN, CU, OUT, RB, tied, day, k, now, load, full, quota,
                           True, SC)
                _serve(consts, ST, VN, DM, LN, Q, IN, UN, CU, OUT, RB, tied, day, k, now, load, full, quota,
                       False, SC)
            # Capacity open to each site in this slot, for utilisation over its training
            # period (classes open, before go-live).
            for s in range(n_sites):
                if in_segments[s]:
                    weekly[s, W_ON_DUTY, week] += duty[s]
                    weekly[s, W_OPEN, week] += site_rooms[s]
                    if day < go_live[s]:
                        counters[s, C_ON_DUTY] += duty[s]
                        counters[s, C_OPEN] += site_rooms[s]
    return DONE


@COMPILE
def queue_batches(DM, Q, queues: np.ndarray, bounds: np.ndarray, ids: np.ndarray, ready: int) -> None:
    """Queue ``ids[bounds[t]:bounds[t + 1]]`` in queue ``queues[t]``, all ready on ``ready``
    (a go-live decision's refreshers)."""
    for t in range(queues.size):
        queue_add(Q, queues[t], ids[bounds[t]:bounds[t + 1]], ready)


# -- outcomes (read in sim/engine/outcomes.py) ---------------------------------------------------

@COMPILE
def _spell(counts: np.ndarray, s: int, a: int, b: int, r0: int, r1: int, n_days: int) -> None:
    """Count a spell from day ``a`` to ``b`` (exclusive) in site ``s``'s row of daily
    changes, within the learner's required span ``r0``..``r1``: +1 where it starts, -1
    where it ends. A spell that ends before it starts is ended where it starts, and one
    from the last day on falls in the column past the end: either way it counts nowhere."""
    a = max(a, r0)
    b = max(min(b, r1), a)
    counts[s, min(a, n_days)] += 1
    counts[s, min(b, n_days)] -= 1


@COMPILE
def _fades(start: int, valid: int, eve: int, never: int) -> int:
    """The day training from ``start`` stops being current (``never`` unless it is
    already stale on the eve of go-live, ``eve``)."""
    end = start + valid
    return end + 1 if end < eve and start != never else never


@COMPILE
def trained_counts(site: np.ndarray, group: np.ndarray, r0: np.ndarray, r1: np.ndarray, trained: np.ndarray,
                   refresh: np.ndarray, valid_of_group: np.ndarray, go_live_of_site: np.ndarray,
                   end_of_site: np.ndarray, never: int, n_days: int, required_out: np.ndarray,
                   trained_out: np.ndarray, met_out: np.ndarray) -> None:
    """Per site, the daily counts of learners required and of those trained and required
    (``*_out``, zeros of shape (sites, n_days + 1) on entry; the last column is scratch),
    and per learner the day their requirement was met for go-live (``met_out``).

    One pass over the learners. A learner is required from ``r0`` until ``r1`` (leaving)
    and trained in two spells: from its training day until that fades or is refreshed,
    and from its refresher until that fades. The met day is the start of the spell that
    covers the eve of go-live, or failing that the first day on or after go-live it was
    trained or left; ``never`` past its site's horizon.
    """
    for i in range(site.size):
        s = site[i]
        a0, a1 = r0[i], r1[i]
        _spell(required_out, s, a0, a1, a0, a1, n_days)
        go_live = go_live_of_site[s]
        eve = go_live - 1
        valid = valid_of_group[group[i]]
        t, r = trained[i], refresh[i]
        first_end = min(_fades(t, valid, eve, never), r)
        second_end = _fades(r, valid, eve, never)
        _spell(trained_out, s, t, first_end, a0, a1, n_days)
        _spell(trained_out, s, r, second_end, a0, a1, n_days)
        met = never
        if t <= eve < first_end:
            met = t
        if r <= eve < second_end:
            met = r
        if met == never:
            met = min(t if t >= go_live else never, r if r >= go_live else never, a1)
        met_out[i] = never if met > end_of_site[s] else met
    for s in range(required_out.shape[0]):  # running sums of the changes: the counts
        for d in range(1, required_out.shape[1]):
            required_out[s, d] += required_out[s, d - 1]
            trained_out[s, d] += trained_out[s, d - 1]


# Per-site counts of site_counts, by column.
(SC_NEW_HIRES, SC_AWAY, SC_SUPER_REQUIRED, SC_SUPER_TRAINED, SC_SELF_TRAINED) = range(5)
N_SITE_COUNTS = 5


@COMPILE
def site_counts(site: np.ndarray, group: np.ndarray, r0: np.ndarray, leave: np.ndarray, back: np.ndarray,
                hire: np.ndarray, self_trained: np.ndarray, met: np.ndarray, super_of_group: np.ndarray,
                unit_of_group: np.ndarray, go_live_of_site: np.ndarray, before: int, counts_out: np.ndarray,
                units_out: np.ndarray, met_by_site: np.ndarray, bounds: np.ndarray, cursor: np.ndarray) -> None:
    """What each site's outcome record counts on its eve of go-live, in two passes over
    the learners (zeros on entry in ``counts_out``, ``units_out`` and ``bounds``):

    - ``counts_out[s, SC_*]``: new hires; staff away on long-term leave (employed on the
      eve, back after it); super-users required and trained; trained and self-trained;
    - ``units_out[0 | 1, s, unit]``: staff required (the cohort: employed on the eve and
      required by then) and trained by the eve, per unit;
    - ``met_by_site[bounds[s]:bounds[s + 1]]``: the met days of site ``s``'s cohort (in
      learner order; ``cursor`` is scratch).
    """
    for i in range(site.size):
        s = site[i]
        eve = go_live_of_site[s] - 1
        if hire[i] != before:
            counts_out[s, SC_NEW_HIRES] += 1
        if leave[i] <= eve:
            continue
        if back[i] > eve:
            counts_out[s, SC_AWAY] += 1
        if r0[i] > eve:
            continue
        g = group[i]
        bounds[s + 1] += 1
        units_out[0, s, unit_of_group[g]] += 1
        if super_of_group[g]:
            counts_out[s, SC_SUPER_REQUIRED] += 1
        if met[i] <= eve:
            units_out[1, s, unit_of_group[g]] += 1
            if super_of_group[g]:
                counts_out[s, SC_SUPER_TRAINED] += 1
            if self_trained[i] <= eve:
                counts_out[s, SC_SELF_TRAINED] += 1
    for s in range(cursor.size):
        bounds[s + 1] += bounds[s]
        cursor[s] = bounds[s]
    for i in range(site.size):
        s = site[i]
        eve = go_live_of_site[s] - 1
        if leave[i] > eve and r0[i] <= eve:
            met_by_site[cursor[s]] = met[i]
            cursor[s] += 1


def compiled_on_disk() -> bool | None:
    """Whether numba's cache on this machine holds the compiled planner for this source
    (False: the first replication compiles it, about a minute); None if the cache cannot
    be inspected (it is numba's internal API, so a change there must not stop a run)."""
    try:
        return bool(plan._cache._cache_file._load_index())
    except Exception:  # noqa: BLE001
        return None

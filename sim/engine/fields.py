"""The columns of the tables a replication hands out.

Kept apart from the engine that fills them so that readers of results (the bottleneck
totals, the trace, the API's frames) can name the columns without loading the engine
and its compiled kernel, which cost a third of a second that reading a folder never
needs.
"""
from __future__ import annotations

# One row per class session run (ReplicationResult.sessions).
SESSION_FIELDS = ("site", "venue", "instructor", "curriculum", "stage", "start_slot", "end_slot",
                  "booked", "attended", "covered")
# Counted per site and calendar week (weeks start on Monday), for the bottleneck figures;
# the kernel's W_* indices are positions in this tuple.
WEEKLY_FIELDS = ("sessions_run", "sessions_cancelled", "sessions_underfilled", "instructor_slots_taught",
                 "instructor_slots_on_duty", "room_slots_used", "room_slots_open")

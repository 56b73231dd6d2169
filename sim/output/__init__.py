"""What people look at: figures, the HTML report, console text and the class timetable.

Drawn only from a results folder's files (or the same data in memory).
"""

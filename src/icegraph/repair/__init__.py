"""Repairs: functions over records that change values only with a logged, sourced reason."""

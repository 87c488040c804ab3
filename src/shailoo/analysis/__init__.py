"""Analyses: functions from workspace tables to result tables."""

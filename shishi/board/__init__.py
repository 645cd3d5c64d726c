"""The battle board (挂图作战): schedule status, warning lights, forecasts, snapshots, boards."""

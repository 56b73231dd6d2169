"""rollout-sim."""

"""uprtc server REST API (spec 003): client, normalized provider and simulator."""

"""A toy vendor that lists apps and says who is in a channel, and nothing else: the smallest
vendor package (docs/adding-a-vendor.md), and the proof that the console needs no change for it."""

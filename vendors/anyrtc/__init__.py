"""anyRTC cloud recording RESTful API (spec 002): client, rules, provider and simulator."""

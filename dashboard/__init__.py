"""The home page of a signed-in user (what the sections hold, at a glance) and the partner switch."""

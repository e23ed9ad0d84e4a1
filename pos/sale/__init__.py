"""The application layer: the till's sale flow, between the core's rules and the screens."""

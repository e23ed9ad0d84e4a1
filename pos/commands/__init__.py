"""The `pos` sub-commands, one module each; pos.cli only dispatches to them."""

"""The Textual cashier terminal. Import PosApp from pos.ui.app (kept off package import)."""

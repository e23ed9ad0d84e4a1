"""Modal dialogs: PIN, prompts, confirmations, product picker, invoice details."""

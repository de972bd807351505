"""Reusable touch widgets sized by the theme (big buttons, tiles, fields, keypad, dialogs)."""

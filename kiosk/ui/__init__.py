"""The kiosk's UI shell: main window, navigation, themes, idle timeout, reusable touch widgets."""

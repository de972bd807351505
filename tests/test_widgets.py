from pytestqt.qtbot import QtBot

from kiosk.qt import Qt, QtWidgets
from kiosk.ui.widgets.keypad import NumericKeypad
from kiosk.ui.widgets.textfield import ErrorSummary, TextField


def test_keypad_types_deletes_and_clears(qtbot: QtBot) -> None:
    field = TextField(numeric=True, max_length=11)
    pad = NumericKeypad(field.edit)
    qtbot.addWidget(field)
    qtbot.addWidget(pad)
    for key in "13800138000":
        qtbot.mouseClick(pad.keys[key], Qt.MouseButton.LeftButton)
    assert field.text() == "13800138000"
    qtbot.mouseClick(pad.keys["5"], Qt.MouseButton.LeftButton)  # max length holds
    assert field.text() == "13800138000"
    qtbot.mouseClick(pad.keys["delete"], Qt.MouseButton.LeftButton)
    assert field.text() == "1380013800"
    qtbot.mouseClick(pad.keys["clear"], Qt.MouseButton.LeftButton)
    assert field.text() == ""
    assert pad.keys["delete"].text() == "删除"
    assert not pad.keys["1"].focusPolicy() & Qt.FocusPolicy.TabFocus  # the field keeps focus


def test_numeric_field_refuses_letters_and_hints_digits(qtbot: QtBot) -> None:
    field = TextField(numeric=True)
    qtbot.addWidget(field)
    qtbot.keyClicks(field.edit, "12ab3")
    assert field.text() == "123"
    assert field.edit.inputMethodHints() & Qt.InputMethodHint.ImhDigitsOnly


def test_error_keeps_the_answer_and_the_summary_focuses_the_field(qtbot: QtBot) -> None:
    host = QtWidgets.QWidget()
    qtbot.addWidget(host)
    lay = QtWidgets.QVBoxLayout(host)
    summary = ErrorSummary("请检查以下内容")
    phone = TextField("手机号码", numeric=True)
    name = TextField("姓名")
    for w in (summary, phone, name):
        lay.addWidget(w)
    host.show()
    phone.set_text("1380013")
    phone.set_error("请输入11位手机号码")
    summary.show_errors([phone, name])
    assert phone.text() == "1380013"
    assert phone.edit.property("invalid") is True
    assert summary.messages() == ["请输入11位手机号码"] and summary.isVisible()
    chosen: list[object] = []
    summary.fieldChosen.connect(chosen.append)
    link = summary.findChildren(QtWidgets.QPushButton)[0]
    qtbot.mouseClick(link, Qt.MouseButton.LeftButton)
    assert chosen == [phone]
    phone.set_error(None)
    summary.show_errors([phone, name])
    assert not summary.isVisible() and phone.edit.property("invalid") is False


def test_virtual_keyboard_only_for_text_fields(qtbot: QtBot) -> None:
    from kiosk.ui.input import wants_virtual_keyboard

    text = TextField("姓名")
    number = TextField("手机号码", numeric=True)
    pin = TextField("密码", numeric=True, secret=True)
    ro = QtWidgets.QLineEdit()
    ro.setReadOnly(True)
    for w in (text, number, pin, ro):
        qtbot.addWidget(w)
    assert wants_virtual_keyboard(text.edit)
    assert not wants_virtual_keyboard(number.edit)
    assert not wants_virtual_keyboard(pin.edit)
    assert not wants_virtual_keyboard(ro)
    assert not wants_virtual_keyboard(QtWidgets.QPushButton())

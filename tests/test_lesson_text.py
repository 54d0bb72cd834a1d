"""Lesson text as the learner sees it."""

from tutor.lesson import Text


def test_chinese_lines_wrapped_in_yaml_join_without_a_space():
    text = Text(en="one\ntwo", zh="控制权交给\n这个 greenlet。\n\n新的段落：\n- 列表\n- 第二项")
    assert text("zh") == "控制权交给这个 greenlet。\n\n新的段落：\n- 列表\n- 第二项"
    assert text("en") == "one\ntwo"

"""Interface strings in English and Chinese (lesson text carries its own translations).

`tr(key, lang, **fields)` looks a string up; a missing Chinese string falls back to English,
a missing key shows the key itself (so a typo is visible, never a crash).
"""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    # course screen
    "course.title": ("Lessons", "课程"),
    "course.errors": ("Lesson files that failed to load", "无法加载的课程文件"),
    "course.error_hint": (
        "This lesson file could not be loaded. Fix it and restart the tutor "
        "(`coro-tutor check` prints every problem):",
        "这个课程文件无法加载。修正后重启导师（`coro-tutor check` 会列出所有问题）：",
    ),
    "course.steps": ("{n} steps, {q} quizzes", "{n} 步，{q} 道测验"),
    "course.state.new": ("new", "未开始"),
    "course.state.in_progress": ("in progress", "进行中"),
    "course.state.done": ("done", "已完成"),
    "course.empty": ("No lessons found in {path}.", "在 {path} 里没有找到课程。"),
    "course.open_hint": ("Enter opens the lesson.", "按 Enter 打开课程。"),
    "course.requires": ("Needs: {pkgs}", "需要：{pkgs}"),
    # lesson screen
    "lesson.step": ("Step {i} of {n}", "第 {i} 步，共 {n} 步"),
    "lesson.read": ("Read", "阅读"),
    "lesson.program": ("Program", "程序"),
    "lesson.quiz": ("Quiz", "测验"),
    "lesson.output": ("Output", "输出"),
    "lesson.timeline": ("Switches", "切换"),
    "lesson.no_output": (
        "Press F5 (or ctrl+r) to run the program.",
        "按 F5（或 ctrl+r）运行程序。",
    ),
    "lesson.running": ("running…", "运行中……"),
    "lesson.edited": ("edited", "已修改"),
    "lesson.legend": ("Runners:", "执行者："),
    "lesson.stderr": ("! = stderr", "! = 标准错误"),
    "lesson.switch_count": ("{n}", "{n} 次"),
    "lesson.switch_cap": (
        "{n} (the first {shown} are drawn)",
        "{n} 次（只画出前 {shown} 次）",
    ),
    "lesson.unattributed": (
        "? = output that bypassed print",
        "? = 绕过 print 的输出",
    ),
    "lesson.no_switches": ("No switches yet.", "还没有切换。"),
    "lesson.run_header": ("— run {n} —", "— 第 {n} 次运行 —"),
    "lesson.runs_forever": (
        "This program never ends on its own: press ctrl+c or Esc to stop it.",
        "这个程序不会自己结束：按 ctrl+c 或 Esc 停止它。",
    ),
    "lesson.needs_gevent": (
        "This lesson needs {pkg}, which is not installed. Install it with:\n  {cmd}",
        "这一课需要 {pkg}，但它没有安装。用下面的命令安装：\n  {cmd}",
    ),
    "lesson.runner_missing": (
        "The program runner is not available: {error}",
        "程序运行器不可用：{error}",
    ),
    "lesson.run_failed": ("The run failed: {error}", "运行失败：{error}"),
    "lesson.already_running": ("A program is already running.", "程序已在运行。"),
    "lesson.not_running": ("Nothing is running.", "没有正在运行的程序。"),
    "lesson.stopping": ("Stopping…", "正在停止……"),
    "lesson.last_step": ("This is the last step.", "已经是最后一步了。"),
    "lesson.first_step": ("This is the first step.", "已经是第一步了。"),
    "lesson.reset_done": (
        "The program is back to the lesson's code.",
        "程序已恢复为课程原来的代码。",
    ),
    "lesson.no_program": ("This step has no program to run.", "这一步没有可运行的程序。"),
    "lesson.exit_code": ("Exit code {code}.", "退出码 {code}。"),
    "lesson.dropped": ("{n} events were not sent.", "有 {n} 个事件没有发送。"),
    # sandbox badge
    "tier.bwrap": ("sandbox: full", "沙箱：完整"),
    "tier.unshare": ("sandbox: partial", "沙箱：部分"),
    "tier.basic": ("sandbox: basic — files are not protected", "沙箱：基本——文件不受保护"),
    # buttons
    "btn.run": ("▶ Run", "▶ 运行"),
    "btn.stop": ("■ Stop", "■ 停止"),
    "btn.reset": ("↺ Reset", "↺ 还原"),
    "btn.prev": ("◀ Prev", "◀ 上一步"),
    "btn.next": ("Next ▶", "下一步 ▶"),
    "btn.yes": ("Yes", "是"),
    "btn.no": ("No", "否"),
    "btn.close": ("Close", "关闭"),
    # confirm
    "confirm.reset": (
        "Throw away your edits and go back to the lesson's code?",
        "放弃你的修改，恢复为课程原来的代码？",
    ),
    # key descriptions (footer, help, command palette)
    "key.quit": ("Quit", "退出"),
    "key.help": ("Help", "帮助"),
    "key.lang": ("中文", "English"),
    "key.theme": ("Light/dark", "浅色/深色"),
    "key.open": ("Open", "打开"),
    "key.run": ("Run", "运行"),
    "key.stop": ("Stop", "停止"),
    "key.reset": ("Reset code", "还原代码"),
    "key.prev": ("Prev step", "上一步"),
    "key.next": ("Next step", "下一步"),
    "key.back": ("Lessons", "课程列表"),
    "key.go_back": ("Back", "返回"),
    "key.review": ("Review", "复习"),
    "key.palette": ("Commands", "命令"),
    "key.focus_code": ("Edit code", "编辑代码"),
    "key.focus_output": ("Output", "输出"),
    "key.focus_timeline": ("Timeline", "时间线"),
    "key.close": ("Close", "关闭"),
    "key.cursor_up": ("Line up", "上一行"),
    "key.cursor_down": ("Line down", "下一行"),
    # help
    "help.title": ("Keys", "按键"),
    "help.where": ("Where", "位置"),
    "help.everywhere": ("Everywhere", "任何地方"),
    "help.course": ("Lesson list", "课程列表"),
    "help.lesson": ("Lesson", "课程页面"),
    "help.output": ("Output and timeline", "输出和时间线"),
    "help.mouse": (
        "The mouse works too: click a lesson, a button, a line of output or a switch; "
        "scroll with the wheel. Clicking an output line highlights the switch before it, "
        "and clicking a switch highlights the output that follows it.",
        "鼠标也能用：点击课程、按钮、输出行或切换；用滚轮滚动。点击一行输出会高亮它之前的"
        "那次切换，点击一次切换会高亮它之后的输出。",
    ),
    "help.editor": (
        "In the code editor the usual editing keys work (ctrl+z undo, ctrl+x/c/v, Tab indents); "
        "Esc leaves the editor.",
        "在代码编辑器里可以使用常用的编辑键（ctrl+z 撤销，ctrl+x/c/v，Tab 缩进）；"
        "按 Esc 离开编辑器。",
    ),
    "help.palette": ("Command palette: every action by name", "命令面板：按名字找到每个操作"),
    "help.choose": ("Choose a lesson", "选择课程"),
    "help.open": ("Open the lesson (where you left it)", "打开课程（从上次离开的地方继续）"),
    "help.esc": (
        "Leave the editor; else back to the lessons",
        "离开编辑器；否则回到课程列表",
    ),
    "help.tab": (
        "Move between the editor, the buttons, the output and the timeline",
        "在编辑器、按钮、输出和时间线之间移动",
    ),
    "help.select_line": (
        "Select a line: its switch (or its output) is highlighted in the other pane",
        "选中一行：另一个窗格里对应的切换（或输出）会高亮",
    ),
    # commands (palette help)
    "cmd.run": ("Run the program of this step", "运行这一步的程序"),
    "cmd.stop": ("Stop the running program", "停止正在运行的程序"),
    "cmd.reset": ("Put back the lesson's code", "恢复为课程原来的代码"),
    "cmd.prev": ("Go to the previous step", "回到上一步"),
    "cmd.next": ("Go to the next step", "进入下一步"),
    "cmd.back": ("Back to the list of lessons", "回到课程列表"),
    "cmd.help": ("Show every key", "显示所有按键"),
    "cmd.lang": ("Switch the language (English / 中文)", "切换语言（English / 中文）"),
    "cmd.theme": ("Switch between the light and the dark theme", "在浅色和深色主题之间切换"),
    "cmd.review": ("Review the quizzes", "复习测验"),
    "cmd.quit": ("Leave the tutor", "离开导师"),
    "cmd.open": ("Open lesson: {title}", "打开课程：{title}"),
}


def tr(key: str, lang: str, **fields: object) -> str:
    pair = STRINGS.get(key)
    if pair is None:
        text = key
    else:
        text = pair[1] if lang == "zh" and pair[1] else pair[0]
    return text.format(**fields) if fields else text


def translate_bindings(node, keys: dict[str, str], lang: str) -> None:
    """Give a node's bindings their descriptions in `lang` (footer, help and palette)."""
    from dataclasses import replace

    bindings = node._bindings
    for key, items in bindings.key_to_bindings.items():
        bindings.key_to_bindings[key] = [
            replace(b, description=tr(keys[b.action], lang)) if b.action in keys else b
            for b in items
        ]

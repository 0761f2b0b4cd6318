"""Generated command lines against the CLI: a result or a clear message, never a traceback."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzzing import budget, count

COMMANDS = [
    "campaigns",
    "links",
    "questionnaires",
    "progress",
    "analyze",
    "export",
    "create-user",
    "import-schools",
    "import-responses",
]
words = st.one_of(
    st.sampled_from(
        [
            "demo-2026",
            "1",
            "0",
            "-1",
            "999999",
            "--json",
            "--format",
            "csv",
            "xlsx",
            "sav",
            "--output",
            "--method",
            "positive_share",
            "nonsense",
            "--role",
            "admin",
            "coordinator",
            "--county",
            "示例县",
            "--school-code",
            "4101010001",
            "--password",
            "short",
            "--source",
            "paper",
            "--base-url",
            "ftp://x",
            "https://survey.example.cn",
            "--screen",
            "strong",
            "--help",
            "",
            "--",
            "-x",
        ]
    ),
    st.text(max_size=15),
)

pytestmark = pytest.mark.fuzz  # FUZZ_SCALE sets the cases (tests/fuzzing.py)


def test_cli_never_shows_a_traceback(app, runner, demo, tmp_path):
    files = {
        "bad.csv": "学校代码,学校名称\n1,x\n".encode("gbk"),
        "empty.csv": b"",
        "junk.xlsx": b"PK\x03\x04junk",
        "out.csv": None,
    }
    for name, content in files.items():
        if content is not None:
            (tmp_path / name).write_bytes(content)
    paths = st.sampled_from([str(tmp_path / name) for name in files] + ["/no/such/file.csv"])

    @budget(1500)
    @given(command=st.sampled_from(COMMANDS), args=st.lists(st.one_of(words, paths), max_size=6))
    def case(command, args):
        result = runner.invoke(args=[command, *args])
        count("cli")
        assert result.exit_code in (0, 1, 2), (command, args, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            command,
            args,
            repr(result.exception),
        )
        assert "Traceback" not in result.output

    case()

"""The CLI: names and JSON keys are a contract with bureau IT scripts."""

from __future__ import annotations

import json
import re

import click
import pytest

from tests.helpers import login, response_count


def _json(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_demo_creates_campaign_prints_links_and_is_idempotent(app, runner):
    out = runner.invoke(args=["demo"])
    assert out.exit_code == 0, out.output
    assert "http://127.0.0.1:5000/s/" in out.output
    again = runner.invoke(args=["demo"])
    assert "已存在" in again.output
    campaigns = _json(runner.invoke(args=["campaigns", "--json"]))
    assert len(campaigns) == 1
    assert set(campaigns[0]) == {"id", "slug", "name", "status", "responses"}
    assert campaigns[0]["status"] == "open" and campaigns[0]["responses"] == 0


def test_demo_simulates_responses_through_storage(app, runner):
    out = runner.invoke(args=["demo", "--responses", "40", "--seed", "7"])
    assert out.exit_code == 0, out.output
    assert response_count(app) == 40
    (row,) = _json(runner.invoke(args=["campaigns", "--json"]))
    assert row["responses"] == 40


def test_links_json_by_id_or_slug_with_base_url(app, runner, demo):
    by_slug = _json(
        runner.invoke(
            args=["links", "demo-2026", "--json", "--base-url", "https://survey.example.cn/"]
        )
    )
    by_id = _json(
        runner.invoke(
            args=["links", str(demo), "--json", "--base-url", "https://survey.example.cn"]
        )
    )
    assert by_slug == by_id and len(by_slug) == 8 * 6
    assert set(by_slug[0]) == {"school_code", "class", "group", "url"}
    assert all(r["url"].startswith("https://survey.example.cn/s/") for r in by_slug)
    assert len({r["url"] for r in by_slug}) == len(by_slug)
    # the printed URL serves the form
    path = by_slug[0]["url"].removeprefix("https://survey.example.cn")
    assert app.test_client().get(path).status_code == 200


def test_links_of_unknown_campaign_fail_with_a_message(runner, demo):
    out = runner.invoke(args=["links", "nope", "--json"])
    assert out.exit_code != 0 and "没有找到调查活动" in out.output


@pytest.mark.parametrize("ref", ["²", "١", "9" * 30])
def test_a_campaign_named_by_other_digits_is_not_found_cleanly(runner, demo, ref):
    """ "²" passes str.isdigit() but not int(): the fuzz test found a traceback there."""
    out = runner.invoke(args=["links", ref])
    assert isinstance(out.exception, SystemExit) and out.exit_code == 1
    assert "没有找到调查活动" in out.output


def test_ids_in_urls_written_in_other_digits_are_refused(app, demo, staff):
    client = app.test_client()
    login(client, "admin")
    assert client.get("/console/compare?a=%C2%B2&b=1").status_code == 400
    assert client.get(f"/console/campaigns/{demo}/classes?school=%C2%B2").status_code == 200


def test_questionnaires_json_lists_every_definition(runner):
    defs = _json(runner.invoke(args=["questionnaires", "--json"]))
    codes = {d["code"] for d in defs}
    assert {
        "student",
        "parent",
        "teacher",
        "principal",
        "deputy",
        "public",
        "social",
        "staff",
        "student_national",
    } <= codes
    option = defs[0]["items"][1]["options"][0]
    assert {"code", "label", "recognised", "dont_know", "score"} <= set(option)
    assert all("version" in d for d in defs)


def test_commands_on_an_uninitialised_database_say_what_to_do(tmp_path):
    from tests.helpers import make_app

    app = make_app(f"sqlite:///{tmp_path / 'empty.db'}")
    out = app.test_cli_runner().invoke(args=["campaigns", "--json"])
    assert out.exit_code != 0 and "init-db" in out.output


def test_create_user_and_import_schools_from_the_cli(app, runner, demo, tmp_path):
    out = runner.invoke(
        args=["create-user", "chief", "--county", "示例县", "--password", "A-long-password-7"]
    )
    assert out.exit_code == 0, out.output
    short = runner.invoke(args=["create-user", "x2", "--county", "示例县", "--password", "short"])
    assert short.exit_code != 0 and "至少10位" in short.output
    plain = runner.invoke(
        args=["create-user", "x3", "--county", "示例县", "--password", "a-long-password"]
    )
    assert plain.exit_code != 0 and "三类" in plain.output

    good = tmp_path / "schools.csv"
    good.write_text(
        "code,name,stage,location,enrolment,teachers\n4101010009,新建小学,小学,城区,300,20\n",
        encoding="utf-8",
    )
    out = runner.invoke(args=["import-schools", "demo-2026", str(good)])
    assert out.exit_code == 0 and "新增 1 所" in out.output
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,stage,location,enrolment\nX1,某校,小学,火星,10\n", encoding="utf-8")
    out = runner.invoke(args=["import-schools", "demo-2026", str(bad)])
    assert out.exit_code != 0 and "第 2 行，列“location”" in out.stderr
    links = json.loads(runner.invoke(args=["links", "demo-2026", "--json"]).output)
    assert len(links) == 9 * 6


def test_demo_makes_accounts_once_and_changes_nothing_when_run_again(app, runner):
    first = runner.invoke(args=["demo", "--responses", "20", "--seed", "1", "--port", "8123"])
    assert first.exit_code == 0, first.output
    assert "http://127.0.0.1:8123/s/" in first.output
    assert "http://127.0.0.1:8123/auth/login" in first.output
    password = re.search(r"demo-admin\s+\S+\s+密码 (\S+)", first.output).group(1)
    client = app.test_client()
    assert login(client, "demo-admin", password).status_code == 302
    again = runner.invoke(args=["demo", "--responses", "20"])
    assert again.exit_code == 0 and "未做改动" in again.output
    assert response_count(app) == 20  # the second run added nothing
    reset = runner.invoke(args=["demo", "--reset", "--responses", "5", "--seed", "2"])
    assert reset.exit_code == 0 and "删除 20 份答卷" in reset.output
    assert response_count(app) == 5


def test_create_user_checks_county_school_and_password_first(app, runner, demo):
    typo = runner.invoke(
        args=["create-user", "a1", "--county", "示例", "--password", "Strong-Pass-9"]
    )
    assert typo.exit_code != 0 and "--new-county" in typo.output and "示例县" in typo.output
    made = runner.invoke(
        args=[
            "create-user",
            "a2",
            "--county",
            "新县",
            "--new-county",
            "--password",
            "Strong-Pass-9",
        ]
    )
    assert made.exit_code == 0, made.output
    school = runner.invoke(
        args=[
            "create-user",
            "c1",
            "--county",
            "示例县",
            "--role",
            "coordinator",
            "--school-code",
            "9999",
            "--password",
            "Strong-Pass-9",
        ]
    )
    assert school.exit_code != 0 and "9999" in school.output
    prompted = runner.invoke(args=["create-user", "a3", "--county", "示例县"], input="short\n")
    assert prompted.exit_code != 0 and "至少10位" in prompted.output
    assert "再次输入" not in prompted.output  # refused before asking twice


def test_the_home_page_leads_staff_to_sign_in(client):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/auth/login"' in html


def test_a_nul_in_any_argument_of_any_command_is_a_usage_error(app, runner, demo):
    """PostgreSQL refuses NUL in text: every command says so before touching the database."""

    def value(param):
        return param.type.choices[0] if isinstance(param.type, click.Choice) else "x\x00"

    checked = 0
    for name, command in app.cli.commands.items():
        if name in {"routes", "shell", "run"} or isinstance(command, click.Group):
            continue
        args = [name]
        for param in command.params:
            if isinstance(param, click.Argument):
                args.append(value(param))
            elif param.required:
                args += [param.opts[0], value(param)]
        if not any("\x00" in a for a in args):
            text = [
                o
                for o in command.params
                if isinstance(o, click.Option)
                and not o.is_flag
                and not isinstance(o.type, (click.Choice, click.types.IntParamType))
            ]
            if not text:
                continue
            args += [text[0].opts[0], "x\x00"]
        result = runner.invoke(args=args, input="Strong-Pass-9\n" * 2)
        assert result.exit_code == 2, (name, result.output, result.exception)
        assert "空字符" in result.output, (name, result.output)
        checked += 1
    assert checked >= 15

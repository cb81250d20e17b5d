from qamqor.cli import main


def test_unknown_command_is_a_usage_error(capsys):
    assert main(["no-such-command"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("qamqor: ") and "Traceback" not in err

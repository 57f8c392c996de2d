from mutualaid.channels.labels import KINDS
from mutualaid.core.notice_kinds import notice_kind, notice_kinds_declared


def test_every_kind_a_member_can_choose_for_has_a_readable_label():
    # Given every declared kind listed in the app, when the settings page names them,
    listed = [name for name in notice_kinds_declared() if notice_kind(name).in_app]

    # then each has a label of its own (add one in channels/labels.py for a new kind).
    assert sorted(set(listed) - set(KINDS)) == []
    assert len(set(map(str, KINDS.values()))) == len(KINDS)

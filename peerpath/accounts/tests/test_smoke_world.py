from peerpath.accounts.ageband import AgeBand


def test_world_has_each_band(world):
    assert world.teen_member.age_band is AgeBand.TEEN
    assert world.adult_member.age_band is AgeBand.ADULT
    assert world.suspended.is_suspended
    assert world.staff.is_staff

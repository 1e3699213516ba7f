"""One change's fields, whether they still hold, and its inverse on a later config (cloudfront/changes.py).

Behaviors, origins and origin groups are matched by PathPattern / Id, never by position: a reorder or an
added behavior since must not make a change point at another behavior.
"""

import copy

import pytest

from distributions.cloudfront import changes

from .factories import OriginFactory, distribution_config


def config_with(*behaviors, origins=None):
    return distribution_config(list(behaviors), origins=origins)


def set_policy(config, pattern, policy):
    config = copy.deepcopy(config)
    for item in [config["DefaultCacheBehavior"], *config["CacheBehaviors"].get("Items", [])]:
        if item.get("PathPattern", "*") == pattern:
            item["ViewerProtocolPolicy"] = policy
    return config


def reorder(config, patterns):
    config = copy.deepcopy(config)
    by = {b["PathPattern"]: b for b in config["CacheBehaviors"]["Items"]}
    config["CacheBehaviors"]["Items"] = [by[p] for p in patterns]
    return config


def add_behavior(config, pattern, policy="allow-all", at=None):
    config = copy.deepcopy(config)
    items = config["CacheBehaviors"].setdefault("Items", [])
    item = copy.deepcopy(items[0]) if items else copy.deepcopy(config["DefaultCacheBehavior"])
    item.update(PathPattern=pattern, ViewerProtocolPolicy=policy)
    items.insert(len(items) if at is None else at, item)
    config["CacheBehaviors"]["Quantity"] = len(items)
    return config


def remove_behavior(config, pattern):
    config = copy.deepcopy(config)
    items = [b for b in config["CacheBehaviors"]["Items"] if b["PathPattern"] != pattern]
    config["CacheBehaviors"].update(Items=items, Quantity=len(items))
    return config


BASE = config_with(("/images/*", "allow-all"), ("/css/*", "allow-all"), ("/api/*", "allow-all"))


class TestChanges:
    def test_a_behaviors_field_is_named_by_its_path_pattern_not_its_position(self):
        (change,) = changes.changes(BASE, set_policy(BASE, "/css/*", "https-only"))
        assert changes.label(change.path) == "CacheBehaviors.Items[/css/*].ViewerProtocolPolicy"
        assert (change.before, change.after) == ("allow-all", "https-only")

    def test_a_reorder_is_one_order_change_and_no_field_change(self):
        (change,) = changes.changes(BASE, reorder(BASE, ["/api/*", "/images/*", "/css/*"]))
        assert changes.label(change.path) == "CacheBehaviors.Items (order)"

    def test_an_added_behavior_is_one_change_and_quantity_is_not_a_change_of_its_own(self):
        (change,) = changes.changes(BASE, add_behavior(BASE, "/js/*"))
        assert changes.label(change.path) == "CacheBehaviors.Items[/js/*]"
        assert change.before is changes.MISSING and change.after["PathPattern"] == "/js/*"

    def test_lists_without_identity_are_one_value(self):
        before = copy.deepcopy(BASE)
        after = copy.deepcopy(BASE)
        after["Aliases"] = {"Quantity": 1, "Items": ["www.example.com"]}
        (change,) = changes.changes(before, after)
        assert changes.label(change.path) == "Aliases.Items"


LATER = {
    "nothing": lambda c: c,
    "another behavior's policy": lambda c: set_policy(c, "/api/*", "redirect-to-https"),
    "a reorder": lambda c: reorder(c, [b["PathPattern"] for b in reversed(c["CacheBehaviors"]["Items"])]),
    "an added behavior first": lambda c: add_behavior(c, "/js/*", at=0),
    "another behavior removed": lambda c: remove_behavior(c, "/api/*"),
    "an origin change": lambda c: {**c, "Comment": "changed later"},
}

CHANGE = {
    "a policy": lambda c: set_policy(c, "/css/*", "https-only"),
    "the default's policy": lambda c: set_policy(c, "*", "redirect-to-https"),
    "an added behavior": lambda c: add_behavior(c, "/fonts/*", at=1),
    "a removed behavior": lambda c: remove_behavior(c, "/css/*"),
    "a reorder": lambda c: reorder(c, ["/css/*", "/images/*", "/api/*"]),
}


@pytest.mark.parametrize("later", LATER, ids=list(LATER))
@pytest.mark.parametrize("change", CHANGE, ids=list(CHANGE))
def test_reverting_a_change_undoes_it_and_keeps_every_unrelated_later_change(change, later):
    before = BASE
    after = CHANGE[change](before)
    if later == "a reorder" and change == "a reorder":
        pytest.skip("two reorders of the same behaviors are a conflict: tested below")
    if later == "a reorder" and change == "a removed behavior":
        pytest.skip("a behavior put back among reordered ones goes after its old predecessor: tested below")
    current = LATER[later](after)
    expected = LATER[later](before)

    reverted, conflicts = changes.revert(before, after, current)

    assert conflicts == []
    assert reverted == expected


@pytest.mark.parametrize(
    "change, later, field",
    [
        ("a policy", lambda c: set_policy(c, "/css/*", "redirect-to-https"), "CacheBehaviors.Items[/css/*].ViewerProtocolPolicy"),
        ("a removed behavior", lambda c: add_behavior(c, "/css/*", "https-only"), "CacheBehaviors.Items[/css/*]"),
        ("a reorder", lambda c: reorder(c, ["/api/*", "/images/*", "/css/*"]), "CacheBehaviors.Items (order)"),
        ("an added behavior", lambda c: set_policy(c, "/fonts/*", "https-only"), "CacheBehaviors.Items[/fonts/*]"),
    ],
)  # fmt: skip
def test_a_field_changed_since_is_a_conflict_and_nothing_is_reverted(change, later, field):
    after = CHANGE[change](BASE)
    current = later(after)
    reverted, conflicts = changes.revert(BASE, after, current)
    assert reverted is None
    assert [changes.label(c.path) for c in conflicts] == [field]


class TestHolds:
    def test_a_change_holds_while_its_fields_have_its_values(self):
        after = set_policy(BASE, "/css/*", "https-only")
        assert changes.holds(changes.changes(BASE, after), add_behavior(after, "/js/*", at=0))

    def test_a_change_does_not_hold_on_the_config_it_started_from(self):
        after = set_policy(BASE, "/css/*", "https-only")
        assert not changes.holds(changes.changes(BASE, after), BASE)

    def test_fields_filled_by_cloudfront_do_not_matter(self):
        after = set_policy(BASE, "/css/*", "https-only")
        stored = copy.deepcopy(after)
        stored["DefaultCacheBehavior"]["Compress"] = False
        assert changes.holds(changes.changes(BASE, after), stored)


def test_origins_are_matched_by_id():
    before = config_with(("/a/*", "allow-all"), origins=[OriginFactory(Id="one"), OriginFactory(Id="two")])
    after = copy.deepcopy(before)
    after["Origins"]["Items"][1]["OriginPath"] = "/v2"
    current = copy.deepcopy(after)
    current["Origins"]["Items"].reverse()
    reverted, conflicts = changes.revert(before, after, current)
    assert conflicts == []
    assert [(o["Id"], o["OriginPath"]) for o in reverted["Origins"]["Items"]] == [("two", ""), ("one", "")]


def test_a_behavior_put_back_goes_after_the_one_that_preceded_it():
    after = remove_behavior(BASE, "/css/*")
    current = reorder(after, ["/api/*", "/images/*"])
    reverted, conflicts = changes.revert(BASE, after, current)
    assert conflicts == []
    assert [b["PathPattern"] for b in reverted["CacheBehaviors"]["Items"]] == ["/api/*", "/images/*", "/css/*"]
    assert reverted["CacheBehaviors"]["Quantity"] == 3

"""Reading, editing and validating a DistributionConfig (cloudfront-facts.md, "DistributionConfig essentials")."""

import copy
import datetime

import pytest

from distributions.cloudfront import config as cfg

from .factories import ALL_METHODS, GET_HEAD, BehaviorFactory, OriginFactory, distribution_config, methods, quantity

ACM_US_EAST_1 = "arn:aws:acm:us-east-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab"
ACM_EU_WEST_1 = "arn:aws:acm:eu-west-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab"


def acm_certificate(arn=ACM_US_EAST_1):
    return {
        "CloudFrontDefaultCertificate": False,
        "ACMCertificateArn": arn,
        "SSLSupportMethod": "sni-only",
        "MinimumProtocolVersion": "TLSv1.2_2021",
        "Certificate": arn,
        "CertificateSource": "acm",
    }


def with_associations():
    """A config whose behaviors carry associations the console does not model."""
    config = distribution_config([("/images/*", "allow-all"), ("/css/*", "allow-all"), ("/api/*", "allow-all")])
    lambdas = quantity(
        [
            {
                "LambdaFunctionARN": "arn:aws:lambda:us-east-1:123456789012:function:headers:3",
                "EventType": "origin-response",
                "IncludeBody": False,
            }
        ]
    )
    functions = quantity(
        [{"FunctionARN": "arn:aws:cloudfront::123456789012:function/rewrite", "EventType": "viewer-request"}]
    )
    for behavior in [config["DefaultCacheBehavior"], *config["CacheBehaviors"]["Items"]]:
        behavior["LambdaFunctionAssociations"] = copy.deepcopy(lambdas)
        behavior["FunctionAssociations"] = copy.deepcopy(functions)
    config["SomeFutureField"] = {"Nested": [1, 2, {"Deep": True}]}
    return config


class TestSetViewerProtocolPolicy:
    @pytest.mark.parametrize(
        "pattern, field",
        [
            ("/images/*", "CacheBehaviors.Items[0].ViewerProtocolPolicy"),
            ("/css/*", "CacheBehaviors.Items[1].ViewerProtocolPolicy"),
            ("/api/*", "CacheBehaviors.Items[2].ViewerProtocolPolicy"),
            ("*", "DefaultCacheBehavior.ViewerProtocolPolicy"),
        ],
    )
    def test_it_changes_exactly_one_field(self, pattern, field):
        config = with_associations()
        edited = cfg.set_viewer_protocol_policy(config, [pattern], "redirect-to-https")
        assert cfg.diff(config, edited) == [(field, "allow-all", "redirect-to-https")]

    def test_it_does_not_mutate_its_input(self):
        config = with_associations()
        before = copy.deepcopy(config)
        cfg.set_viewer_protocol_policy(config, ["/images/*", "*"], "https-only")
        assert config == before

    def test_it_returns_a_copy_that_shares_nothing_with_the_input(self):
        config = with_associations()
        edited = cfg.set_viewer_protocol_policy(config, ["/css/*"], "https-only")
        edited["CacheBehaviors"]["Items"][0]["FunctionAssociations"]["Items"].clear()
        assert config["CacheBehaviors"]["Items"][0]["FunctionAssociations"]["Quantity"] == 1
        assert len(config["CacheBehaviors"]["Items"][0]["FunctionAssociations"]["Items"]) == 1

    def test_unmodelled_fields_survive(self):
        config = with_associations()
        edited = cfg.set_viewer_protocol_policy(config, ["/images/*", "*"], "https-only")
        for before, after in [
            (config["DefaultCacheBehavior"], edited["DefaultCacheBehavior"]),
            (config["CacheBehaviors"]["Items"][0], edited["CacheBehaviors"]["Items"][0]),
        ]:
            assert after["FunctionAssociations"] == before["FunctionAssociations"]
            assert after["FunctionAssociations"]["Quantity"] == 1
            assert after["LambdaFunctionAssociations"] == before["LambdaFunctionAssociations"]
            assert after["LambdaFunctionAssociations"]["Quantity"] == 1
        assert edited["SomeFutureField"] == {"Nested": [1, 2, {"Deep": True}]}

    def test_it_changes_several_behaviors_in_one_call(self):
        config = with_associations()
        edited = cfg.set_viewer_protocol_policy(config, ["/images/*", "/api/*", "*"], "https-only")
        assert cfg.diff(config, edited) == [
            ("CacheBehaviors.Items[0].ViewerProtocolPolicy", "allow-all", "https-only"),
            ("CacheBehaviors.Items[2].ViewerProtocolPolicy", "allow-all", "https-only"),
            ("DefaultCacheBehavior.ViewerProtocolPolicy", "allow-all", "https-only"),
        ]

    def test_a_pattern_named_twice_is_changed_once(self):
        config = with_associations()
        edited = cfg.set_viewer_protocol_policy(config, ["/css/*", "/css/*"], "https-only")
        assert cfg.diff(config, edited) == [("CacheBehaviors.Items[1].ViewerProtocolPolicy", "allow-all", "https-only")]

    def test_the_same_policy_changes_nothing(self):
        config = with_associations()
        assert cfg.diff(config, cfg.set_viewer_protocol_policy(config, ["/css/*"], "allow-all")) == []

    @pytest.mark.parametrize("policy", ["redirect-to-http", "HTTPS-ONLY", "https", "", None])
    def test_it_rejects_an_unknown_policy(self, policy):
        with pytest.raises(cfg.ConfigError) as error:
            cfg.set_viewer_protocol_policy(with_associations(), ["*"], policy)
        assert error.value.code == "InvalidArgument"

    @pytest.mark.parametrize("pattern", ["/js/*", "images/*", "/IMAGES/*", ""])
    def test_it_rejects_a_pattern_naming_no_behavior(self, pattern):
        config = with_associations()
        before = copy.deepcopy(config)
        with pytest.raises(cfg.ConfigError):
            cfg.set_viewer_protocol_policy(config, ["/images/*", pattern], "https-only")
        assert config == before

    def test_it_rejects_an_empty_choice(self):
        with pytest.raises(cfg.ConfigError) as error:
            cfg.set_viewer_protocol_policy(with_associations(), [], "https-only")
        assert error.value.code == "InvalidArgument"

    def test_the_result_still_validates(self):
        edited = cfg.set_viewer_protocol_policy(with_associations(), ["/api/*", "*"], "redirect-to-https")
        cfg.validate(edited)


def _set(path, value):
    """A mutation setting ``config[path...] = value``."""

    def mutate(config):
        node = config
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return mutate


def _delete(field):
    def mutate(config):
        del config[field]

    return mutate


def _behaviors(n):
    def mutate(config):
        config["CacheBehaviors"] = quantity(
            BehaviorFactory(PathPattern=f"/p{i}/*", TargetOriginId="origin-main") for i in range(n)
        )

    return mutate


def _origins(n):
    def mutate(config):
        config["Origins"] = quantity(OriginFactory(Id="origin-main" if i == 0 else f"o{i}") for i in range(n))

    return mutate


def _behavior(pattern, **fields):
    def mutate(config):
        config["CacheBehaviors"] = quantity(
            [BehaviorFactory(PathPattern=pattern, **{"TargetOriginId": "origin-main", **fields})]
        )

    return mutate


def _two_behaviors(first, second):
    def mutate(config):
        config["CacheBehaviors"] = quantity(
            [BehaviorFactory(PathPattern=p, TargetOriginId="origin-main") for p in (first, second)]
        )

    return mutate


def _origin_group(group_id, groups=1):
    """A second origin, ``groups`` origin groups over both, and a behavior routed to the first group."""

    def mutate(config):
        config["Origins"]["Items"].append(OriginFactory(Id="origin-backup"))
        config["Origins"]["Quantity"] = 2
        members = quantity([{"OriginId": "origin-main"}, {"OriginId": "origin-backup"}])
        config["OriginGroups"] = quantity(
            {
                "Id": group_id if i == 0 else f"{group_id}-{i}",
                "FailoverCriteria": {"StatusCodes": quantity([500, 502, 503, 504])},
                "Members": copy.deepcopy(members),
            }
            for i in range(groups)
        )
        _behavior("/api/*", TargetOriginId=group_id)(config)

    return mutate


def _oac_and_oai():
    def mutate(config):
        origin = config["Origins"]["Items"][0]
        del origin["CustomOriginConfig"]
        origin["S3OriginConfig"] = {"OriginAccessIdentity": "origin-access-identity/cloudfront/E127EXAMPLE51Z"}
        origin["OriginAccessControlId"] = "E2QWRUHAPOMQZL"

    return mutate


def _aliases(names, certificate=None):
    def mutate(config):
        config["Aliases"] = quantity(names)
        if certificate is not None:
            config["ViewerCertificate"] = certificate

    return mutate


class TestValidate:
    @pytest.mark.parametrize(
        "mutate",
        [
            pytest.param(lambda c: None, id="factory default"),
            pytest.param(_behaviors(27), id="27 cache behaviors (more than the old 25)"),
            pytest.param(_behaviors(75), id="75 cache behaviors (today's quota)"),
            pytest.param(_origins(100), id="100 origins (today's quota)"),
            pytest.param(_origin_group("group-1"), id="behavior routed to an origin group"),
            pytest.param(_set(["ViewerCertificate", "MinimumProtocolVersion"], "TLSv1.2_2025"), id="TLSv1.2_2025"),
            pytest.param(_set(["HttpVersion"], "http2and3"), id="http2and3"),
            pytest.param(_set(["SomeFutureField"], {"Deep": [1]}), id="a member the model does not know"),
            pytest.param(_set(["Origins", "Items", 0, "OriginPath"], "/static/v2"), id="origin path"),
            pytest.param(_set(["Origins", "Items", 0, "DomainName"], "localhost"), id="the sandbox's local origin"),
            pytest.param(_set(["Comment"], "x" * 128), id="comment of 128"),
            pytest.param(_set(["Comment"], ""), id="empty comment"),
            pytest.param(_behavior("images/*.jpg"), id="pattern without leading slash"),
            pytest.param(_behavior("/" + "a" * 254), id="pattern of 255"),
            pytest.param(_behavior("/api/*", AllowedMethods=methods(ALL_METHODS)), id="all seven methods"),
            pytest.param(
                _behavior("/api/*", AllowedMethods=methods(["OPTIONS", "GET", "HEAD"])), id="GET HEAD OPTIONS"
            ),
            pytest.param(_aliases(["www.example.com"], acm_certificate()), id="alias with us-east-1 ACM"),
            pytest.param(_set(["ViewerCertificate"], acm_certificate()), id="us-east-1 ACM without aliases"),
            pytest.param(
                _set(["DefaultCacheBehavior", "ViewerProtocolPolicy"], "redirect-to-https"), id="redirect default"
            ),
            pytest.param(_behavior("/x/*", ViewerProtocolPolicy="https-only"), id="https-only behavior"),
            pytest.param(_aliases([f"a{i}.example.com" for i in range(100)], acm_certificate()), id="100 aliases"),
        ],
    )
    def test_it_accepts_valid_configs(self, mutate):
        config = distribution_config()
        mutate(config)
        cfg.validate(config)

    @pytest.mark.parametrize(
        "mutate, code",
        [
            # Quantity must equal len(Items), at any depth
            pytest.param(_set(["Aliases"], {"Quantity": 1, "Items": []}), "InconsistentQuantities", id="aliases"),
            pytest.param(_set(["Aliases"], {"Quantity": 1}), "InconsistentQuantities", id="items missing"),
            pytest.param(
                _set(["Aliases"], {"Quantity": 0, "Items": ["www.example.com"]}),
                "InconsistentQuantities",
                id="quantity too small",
            ),
            pytest.param(_set(["Aliases"], {"Quantity": "1", "Items": ["a.com"]}), "MalformedXML", id="str"),
            pytest.param(
                _set(["DefaultCacheBehavior", "AllowedMethods", "CachedMethods", "Quantity"], 3),
                "InconsistentQuantities",
                id="nested cached methods",
            ),
            pytest.param(
                _set(["Origins", "Items", 0, "CustomOriginConfig", "OriginSslProtocols", "Quantity"], 2),
                "InconsistentQuantities",
                id="nested in an origin",
            ),
            # MalformedXML: CloudFront validates enumerations while it parses the request
            pytest.param(
                _set(["DefaultCacheBehavior", "ViewerProtocolPolicy"], "redirect-to-http"),
                "MalformedXML",
                id="bad default policy",
            ),
            pytest.param(
                _behavior("/x/*", ViewerProtocolPolicy="HTTPS-only"), "MalformedXML", id="bad behavior policy"
            ),
            pytest.param(
                _set(["ViewerCertificate", "MinimumProtocolVersion"], "TLSv1.9"), "MalformedXML", id="TLSv1.9"
            ),
            pytest.param(_set(["HttpVersion"], "HTTP2"), "MalformedXML", id="HTTP2"),
            pytest.param(_set(["PriceClass"], "PriceClass_50"), "MalformedXML", id="bad PriceClass"),
            # InvalidArgument
            pytest.param(_behavior("/a b/*"), "InvalidArgument", id="pattern with a space"),
            pytest.param(_behavior("/a#b"), "InvalidArgument", id="pattern with a hash"),
            pytest.param(_behavior(""), "InvalidArgument", id="empty pattern"),
            pytest.param(_behavior("/" + "a" * 255), "InvalidArgument", id="pattern of 256"),
            pytest.param(_two_behaviors("/images/*", "/images/*"), "InvalidArgument", id="duplicate pattern"),
            pytest.param(_two_behaviors("content/*", "/content/*"), "InvalidArgument", id="duplicate up to the /"),
            pytest.param(
                _behavior("/x/*", ForwardedValues={"QueryString": False, "Cookies": {"Forward": "none"}}),
                "InvalidArgument",
                id="CachePolicyId with ForwardedValues",
            ),
            pytest.param(
                lambda c: c["DefaultCacheBehavior"].pop("CachePolicyId"), "InvalidArgument", id="no cache settings"
            ),
            pytest.param(_aliases(["WWW.example.com"], acm_certificate()), "InvalidArgument", id="mixed-case alias"),
            pytest.param(
                _set(["ViewerCertificate"], {**acm_certificate(), "MinimumProtocolVersion": "SSLv3"}),
                "InvalidArgument",
                id="sni-only with SSLv3",
            ),
            pytest.param(
                lambda c: c.update(Staging=True, HttpVersion="http2and3"), "InvalidArgument", id="staging with HTTP/3"
            ),
            pytest.param(_oac_and_oai(), "IllegalOriginAccessConfiguration", id="OAC and OAI"),
            pytest.param(
                _set(["Origins", "Items", 0, "DomainName"], "origin_hostname"), "InvalidArgument", id="no domain"
            ),
            pytest.param(
                _set(["Origins", "Items", 0, "DomainName"], "a.example.com:8080"), "InvalidArgument", id="port"
            ),
            pytest.param(
                _set(["Origins", "Items", 0, "OriginPath"], "origin_path"), "InvalidArgument", id="path w/o /"
            ),
            pytest.param(_set(["Origins", "Items", 0, "OriginPath"], "/static/"), "InvalidArgument", id="path ends /"),
            pytest.param(
                _behavior("/api/*", AllowedMethods=methods(["GET", "POST"])), "InvalidArgument", id="GET POST"
            ),
            pytest.param(_behavior("/api/*", AllowedMethods=methods(["GET"])), "InvalidArgument", id="GET alone"),
            pytest.param(
                _behavior("/api/*", AllowedMethods=methods(["GET", "HEAD", "PUT", "POST", "PATCH", "DELETE"])),
                "InvalidArgument",
                id="six methods",
            ),
            pytest.param(
                _set(["DefaultCacheBehavior", "AllowedMethods"], methods(["GET", "HEAD", "POST"])),
                "InvalidArgument",
                id="bad default methods",
            ),
            pytest.param(_set(["Comment"], "x" * 129), "InvalidArgument", id="comment of 129"),
            # the model: Origins.Items is required and holds at least one origin
            pytest.param(_set(["Origins"], {"Quantity": 0}), "MalformedXML", id="no origins"),
            pytest.param(_set(["Origins"], {"Quantity": 0, "Items": []}), "MalformedXML", id="empty origins"),
            pytest.param(
                _set(["Origins"], quantity([OriginFactory(Id="origin-main"), OriginFactory(Id="origin-main")])),
                "InvalidArgument",
                id="duplicate origin ids",
            ),
            pytest.param(
                _set(["Origins", "Items", 0, "CustomOriginConfig", "OriginProtocolPolicy"], "https-first"),
                "MalformedXML",
                id="bad origin protocol policy",
            ),
            # quotas
            pytest.param(_behaviors(76), "TooManyCacheBehaviors", id="76 cache behaviors"),
            pytest.param(_origins(101), "TooManyOrigins", id="101 origins"),
            pytest.param(_origin_group("group-1", groups=11), "TooManyOriginGroupsPerDistribution", id="11 groups"),
            pytest.param(
                _aliases([f"a{i}.example.com" for i in range(101)], acm_certificate()),
                "TooManyDistributionCNAMEs",
                id="101 aliases",
            ),
            # NoSuchOrigin
            pytest.param(
                _set(["DefaultCacheBehavior", "TargetOriginId"], "nowhere"), "NoSuchOrigin", id="default origin"
            ),
            pytest.param(
                lambda c: _behavior("/x/*")(c) or c["CacheBehaviors"]["Items"][0].update(TargetOriginId="nowhere"),
                "NoSuchOrigin",
                id="behavior origin",
            ),
            # certificates
            pytest.param(_aliases(["www.example.com"]), "InvalidViewerCertificate", id="alias with default cert"),
            pytest.param(
                lambda c: _aliases(["www.example.com"])(c) or c.pop("ViewerCertificate"),
                "InvalidViewerCertificate",
                id="alias without a certificate",
            ),
            pytest.param(
                _aliases(["www.example.com"], acm_certificate(ACM_EU_WEST_1)),
                "InvalidViewerCertificate",
                id="ACM outside us-east-1",
            ),
            # required fields (botocore's model): CloudFront's request validation answers MalformedXML
            pytest.param(_delete("CallerReference"), "MalformedXML", id="no CallerReference"),
            pytest.param(_delete("Origins"), "MalformedXML", id="no Origins"),
            pytest.param(_delete("DefaultCacheBehavior"), "MalformedXML", id="no DefaultCacheBehavior"),
            pytest.param(_delete("Comment"), "MalformedXML", id="no Comment"),
            pytest.param(_delete("Enabled"), "MalformedXML", id="no Enabled"),
        ],
    )
    def test_it_rejects_with_cloudfronts_code(self, mutate, code):
        config = distribution_config()
        mutate(config)
        with pytest.raises(cfg.ConfigError) as error:
            cfg.validate(config)
        assert error.value.code == code
        assert error.value.message

    @pytest.mark.parametrize("config", [None, [], "config"])
    def test_it_rejects_a_config_that_is_not_an_object(self, config):
        with pytest.raises(cfg.ConfigError) as error:
            cfg.validate(config)
        assert error.value.code == "MalformedInput"

    def test_it_does_not_mutate_the_config(self):
        config = with_associations()
        before = copy.deepcopy(config)
        cfg.validate(config)
        assert config == before


class TestRequiresHttps:
    @pytest.mark.parametrize(
        "behaviors, default_policy, expected",
        [
            ([], "allow-all", False),
            ([], "redirect-to-https", True),
            ([], "https-only", True),
            ([("/images/*", "https-only")], "redirect-to-https", True),
            ([("/images/*", "allow-all")], "redirect-to-https", False),
            ([("/images/*", "redirect-to-https"), ("/css/*", "allow-all")], "https-only", False),
            ([("/images/*", "redirect-to-https"), ("/css/*", "https-only")], "allow-all", False),
            ([("/images/*", "redirect-to-https"), ("/css/*", "https-only")], "https-only", True),
        ],
    )
    def test_it_is_true_only_when_no_behavior_allows_http(self, behaviors, default_policy, expected):
        assert cfg.requires_https(distribution_config(behaviors, default_policy=default_policy)) is expected


class TestBehaviors:
    def test_it_lists_behaviors_in_evaluation_order_default_last(self):
        config = distribution_config([("/b/*", "allow-all"), ("a/*", "https-only")])
        listed = cfg.behaviors(config)
        assert [(b.precedence, b.path_pattern, b.is_default) for b in listed] == [
            (0, "/b/*", False),
            (1, "a/*", False),
            (2, "*", True),
        ]
        assert listed[1].viewer_protocol_policy == "https-only"
        assert listed[2].target_origin_id == "origin-main"
        assert listed[0].allowed_methods == GET_HEAD

    @pytest.mark.parametrize("pattern, found", [("/b/*", "/b/*"), ("*", "*"), ("b/*", None), ("/B/*", None)])
    def test_find_behavior_looks_the_pattern_up_as_written(self, pattern, found):
        config = distribution_config([("/b/*", "allow-all")])
        behavior = cfg.find_behavior(config, pattern)
        assert (behavior.path_pattern if behavior else None) == found


class TestDiff:
    @pytest.mark.parametrize(
        "old, new, changes",
        [
            ({"a": 1}, {"a": 1}, []),
            ({"a": 1}, {"a": 2}, [("a", 1, 2)]),
            ({"a": {"b": 1, "c": 2}}, {"a": {"b": 1, "c": 3}}, [("a.c", 2, 3)]),
            ({"a": 1}, {}, [("a", 1, None)]),
            ({}, {"a": 1}, [("a", None, 1)]),
            ({"a": [1, 2, 3]}, {"a": [1, 5, 3]}, [("a[1]", 2, 5)]),
            ({"a": [{"b": 1}]}, {"a": [{"b": 2}]}, [("a[0].b", 1, 2)]),
            ({"a": [1, 2]}, {"a": [1, 2, 3]}, [("a", [1, 2], [1, 2, 3])]),
            ({"b": 1, "a": 1}, {"b": 2, "a": 2}, [("a", 1, 2), ("b", 1, 2)]),
            ({"a": {"b": 1}}, {"a": "flat"}, [("a", {"b": 1}, "flat")]),
            (1, 2, [("", 1, 2)]),
        ],
    )
    def test_it_lists_leaf_changes(self, old, new, changes):
        assert cfg.diff(old, new) == changes

    def test_a_config_has_no_diff_with_its_copy(self):
        config = with_associations()
        assert cfg.diff(config, copy.deepcopy(config)) == []


class TestClone:
    @pytest.mark.parametrize(
        "value",
        [
            {"a": [1, 2.5, True, None, "x"], "b": {"c": {"d": []}}},
            [{"Quantity": 0}, {"Quantity": 1, "Items": ["GET"]}],
            "text",
            None,
        ],
    )
    def test_it_is_an_equal_value_sharing_nothing_mutable(self, value):
        copied = cfg.clone(value)
        assert copied == value
        assert type(copied) is type(value)
        if isinstance(value, dict):
            copied["b"]["c"]["d"].append(1)
            assert value["b"]["c"]["d"] == []
        if isinstance(value, list):
            copied[1]["Items"].append("HEAD")
            assert value[1]["Items"] == ["GET"]

    def test_what_is_not_plain_json_is_deep_copied(self):
        value = {"when": datetime.date(2026, 11, 30), "items": [1]}
        copied = cfg.clone(value)
        assert copied == value and copied["items"] is not value["items"]

    def test_booleans_stay_booleans(self):
        assert cfg.clone({"Enabled": True, "Quantity": 1}) == {"Enabled": True, "Quantity": 1}
        assert cfg.clone({"Enabled": True})["Enabled"] is True

"""The simulated CloudFront control plane, against a real database."""

import copy
import math
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from distributions.backends.base import BackendError, NoSuchDistribution, PreconditionFailed
from distributions.cloudfront import config as cfg
from distributions.cloudfront import quotas
from distributions.sandbox.models import SimulatedDistribution

from .factories import BehaviorFactory, OriginFactory, distribution_config, quantity

pytestmark = pytest.mark.django_db

ACM_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab"
ACM_CERTIFICATE = {
    "CloudFrontDefaultCertificate": False,
    "ACMCertificateArn": ACM_ARN,
    "SSLSupportMethod": "sni-only",
    "MinimumProtocolVersion": "TLSv1.2_2021",
    "Certificate": ACM_ARN,
    "CertificateSource": "acm",
}
UNKNOWN_ID = "E0000000000000"


@pytest.fixture
def created(simulator):
    """A fresh distribution: (id, config as sent, etag)."""
    config = distribution_config([("/images/*", "allow-all"), ("/css/*", "allow-all")])
    answer = simulator.create_distribution(config)
    return answer["Distribution"]["Id"], config, answer["ETag"]


def with_aliases(*names):
    return distribution_config(aliases=names, ViewerCertificate=copy.deepcopy(ACM_CERTIFICATE))


def policy_changed(config, policy="redirect-to-https", pattern="*"):
    return cfg.set_viewer_protocol_policy(config, [pattern], policy)


def expire_deployment(distribution_id):
    SimulatedDistribution.objects.filter(pk=distribution_id).update(
        deploy_ready_at=timezone.now() - timedelta(seconds=1)
    )


class TestCreateDistribution:
    def test_ids_have_cloudfronts_shape(self, simulator):
        ids = {simulator.create_distribution(distribution_config())["Distribution"]["Id"] for _ in range(5)}
        assert len(ids) == 5
        for distribution_id in ids:
            assert re.fullmatch(r"E[A-Z0-9]{13}", distribution_id)

    def test_domain_names_have_cloudfronts_shape(self, simulator):
        domains = {simulator.create_distribution(distribution_config())["Distribution"]["DomainName"] for _ in range(5)}
        assert len(domains) == 5
        for domain in domains:
            assert re.fullmatch(r"d[a-z0-9]{13}\.cloudfront\.net", domain)

    def test_it_returns_the_distribution_and_its_etag(self, simulator):
        config = distribution_config(comment="Shop")
        answer = simulator.create_distribution(config)
        distribution = answer["Distribution"]
        assert answer["ETag"]
        assert distribution["DistributionConfig"] == config
        assert distribution["ARN"].endswith(f":distribution/{distribution['Id']}")
        assert simulator.get_distribution(distribution["Id"])["ETag"] == answer["ETag"]

    def test_it_stores_a_copy_of_the_config(self, simulator):
        config = distribution_config()
        distribution_id = simulator.create_distribution(config)["Distribution"]["Id"]
        config["Comment"] = "changed after the call"
        assert simulator.get_distribution_config(distribution_id)[0]["Comment"] == "test"

    @pytest.mark.parametrize(
        "config, code",
        [
            (distribution_config(default_policy="http-only"), "MalformedXML"),
            (distribution_config(Aliases={"Quantity": 2, "Items": ["a.example.com"]}), "InconsistentQuantities"),
            (distribution_config(aliases=["www.example.com"]), "InvalidViewerCertificate"),
        ],
    )
    def test_it_validates_like_cloudfront(self, simulator, config, code):
        with pytest.raises(BackendError) as error:
            simulator.create_distribution(config)
        assert error.value.code == code
        assert error.value.status == 400
        assert not SimulatedDistribution.objects.exists()

    def test_it_rejects_an_alias_another_distribution_uses(self, simulator):
        simulator.create_distribution(with_aliases("www.example.com"))
        with pytest.raises(BackendError) as error:
            simulator.create_distribution(with_aliases("shop.example.com", "www.example.com"))
        assert error.value.code == "CNAMEAlreadyExists"
        assert error.value.status == 409
        assert SimulatedDistribution.objects.count() == 1


class TestReads:
    def test_get_distribution_config_returns_the_config_and_etag(self, simulator, created):
        distribution_id, config, etag = created
        assert simulator.get_distribution_config(distribution_id) == (config, etag)

    def test_get_distribution_config_returns_a_copy(self, simulator, created):
        distribution_id, config, _ = created
        fetched, _ = simulator.get_distribution_config(distribution_id)
        fetched["Comment"] = "mutated"
        fetched["DefaultCacheBehavior"]["ViewerProtocolPolicy"] = "https-only"
        fetched["CacheBehaviors"]["Items"].pop()
        assert simulator.get_distribution_config(distribution_id)[0] == config

    def test_get_distribution_returns_a_copy(self, simulator, created):
        distribution_id, config, _ = created
        simulator.get_distribution(distribution_id)["Distribution"]["DistributionConfig"]["Comment"] = "mutated"
        assert simulator.get_distribution_config(distribution_id)[0] == config

    @pytest.mark.parametrize("call", ["get_distribution", "get_distribution_config", "deployed_config"])
    def test_an_unknown_id_is_no_such_distribution(self, simulator, created, call):
        with pytest.raises(NoSuchDistribution) as error:
            getattr(simulator, call)(UNKNOWN_ID)
        assert error.value.code == "NoSuchDistribution"
        assert error.value.status == 404

    def test_list_distributions_lists_every_distribution(self, simulator, created):
        other = simulator.create_distribution(distribution_config(comment="Other"))["Distribution"]["Id"]
        summaries = {s["Id"]: s for s in simulator.list_distributions()}
        assert set(summaries) == {created[0], other}
        assert summaries[other]["Comment"] == "Other"
        assert "CallerReference" not in summaries[other]

    @pytest.mark.parametrize("count, page_size", [(0, 2), (1, 2), (4, 2), (5, 2), (5, 100)])
    def test_listing_reads_the_database_a_page_at_a_time(self, simulator, count, page_size):
        """Like CloudFront's Marker/MaxItems: one bounded query per page, pages in ID order, no empty last page."""
        ids = sorted(simulator.create_distribution(distribution_config())["Distribution"]["Id"] for _ in range(count))
        with CaptureQueriesContext(connection) as captured:
            listed = [s["Id"] for s in simulator.list_distributions(page_size=page_size)]
        assert listed == ids
        reads = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT")]
        assert len(reads) == max(1, math.ceil(count / page_size))
        assert all(sql.endswith(f"LIMIT {page_size + 1}") for sql in reads), reads


class TestUpdateDistribution:
    def test_it_replaces_the_config(self, simulator, created):
        distribution_id, config, etag = created
        new = policy_changed(config)
        answer = simulator.update_distribution(distribution_id, new, etag)
        assert answer["Distribution"]["DistributionConfig"] == new
        assert simulator.get_distribution_config(distribution_id)[0] == new

    def test_omitted_fields_are_reset_not_merged(self, simulator, created):
        distribution_id, config, etag = created
        new = copy.deepcopy(config)
        del new["DefaultRootObject"]
        simulator.update_distribution(distribution_id, new, etag)
        # reset to CloudFront's default, not kept from the previous config
        assert simulator.get_distribution_config(distribution_id)[0]["DefaultRootObject"] == ""

    def test_the_etag_rotates_on_every_update(self, simulator, created):
        distribution_id, config, etag = created
        etags = [etag]
        for policy in ["redirect-to-https", "https-only", "https-only", "allow-all"]:
            config, current = simulator.get_distribution_config(distribution_id)
            answer = simulator.update_distribution(distribution_id, policy_changed(config, policy), current)
            assert answer["ETag"] == simulator.get_distribution(distribution_id)["ETag"]
            etags.append(answer["ETag"])
        assert len(set(etags)) == len(etags)

    def test_it_rejects_a_stale_etag(self, simulator, created):
        distribution_id, config, stale = created
        fresh = simulator.update_distribution(distribution_id, policy_changed(config, "https-only"), stale)["ETag"]
        stored = simulator.get_distribution_config(distribution_id)[0]

        with pytest.raises(PreconditionFailed) as error:
            simulator.update_distribution(distribution_id, policy_changed(config, "redirect-to-https"), stale)

        assert error.value.code == "PreconditionFailed"
        assert error.value.status == 412
        assert simulator.get_distribution_config(distribution_id) == (stored, fresh)

    @pytest.mark.parametrize("if_match", ["", None])
    def test_it_requires_if_match(self, simulator, created, if_match):
        distribution_id, config, etag = created
        with pytest.raises(BackendError) as error:
            simulator.update_distribution(distribution_id, policy_changed(config), if_match)
        assert error.value.code == "InvalidIfMatchVersion"
        assert error.value.status == 400
        assert simulator.get_distribution_config(distribution_id) == (config, etag)

    def test_it_rejects_a_changed_caller_reference(self, simulator, created):
        distribution_id, config, etag = created
        new = policy_changed(config)
        new["CallerReference"] = "someone-else"
        with pytest.raises(BackendError) as error:
            simulator.update_distribution(distribution_id, new, etag)
        assert error.value.code == "IllegalUpdate"
        assert error.value.status == 400
        assert simulator.get_distribution_config(distribution_id) == (config, etag)

    def test_an_unknown_id_is_no_such_distribution(self, simulator, created):
        _, config, etag = created
        with pytest.raises(NoSuchDistribution) as error:
            simulator.update_distribution(UNKNOWN_ID, config, etag)
        assert error.value.status == 404

    @pytest.mark.parametrize(
        "edit, code, status",
        [
            pytest.param(
                lambda c: c["DefaultCacheBehavior"].update(ViewerProtocolPolicy="https-please"),
                "MalformedXML",
                400,
                id="unknown policy",
            ),
            pytest.param(
                lambda c: c.update(
                    CacheBehaviors=quantity(
                        BehaviorFactory(PathPattern=f"/p{i}/*", TargetOriginId="origin-main") for i in range(76)
                    )
                ),
                "TooManyCacheBehaviors",
                400,
                id="76 cache behaviors",
            ),
            pytest.param(
                lambda c: c["CacheBehaviors"]["Items"][0].update(TargetOriginId="gone"),
                "NoSuchOrigin",
                404,
                id="unknown origin",
            ),
            pytest.param(
                lambda c: c["CacheBehaviors"].update(Quantity=3), "InconsistentQuantities", 400, id="quantities"
            ),
            pytest.param(
                lambda c: c.update(Origins=quantity(OriginFactory() for _ in range(101))),
                "TooManyOrigins",
                400,
                id="101 origins",
            ),
        ],
    )
    def test_validation_errors_surface_with_cloudfronts_codes(self, simulator, created, edit, code, status):
        distribution_id, config, etag = created
        new = copy.deepcopy(config)
        edit(new)
        with pytest.raises(BackendError) as error:
            simulator.update_distribution(distribution_id, new, etag)
        assert error.value.code == code
        assert error.value.status == status
        assert simulator.get_distribution_config(distribution_id) == (config, etag)

    @pytest.mark.parametrize("count", [27, 75])
    def test_up_to_todays_quota_of_cache_behaviors_is_accepted(self, simulator, created, count):
        distribution_id, config, etag = created
        new = copy.deepcopy(config)
        new["CacheBehaviors"] = quantity(
            BehaviorFactory(PathPattern=f"/p{i}/*", TargetOriginId="origin-main") for i in range(count)
        )
        simulator.update_distribution(distribution_id, new, etag)
        assert len(simulator.get_distribution_config(distribution_id)[0]["CacheBehaviors"]["Items"]) == count

    def test_a_raised_quota_is_honoured(self, simulator, created, settings):
        settings.CONSOLE_SIMULATOR_QUOTAS = quotas.parse("cache_behaviors=100")
        distribution_id, config, etag = created
        new = copy.deepcopy(config)
        new["CacheBehaviors"] = quantity(
            BehaviorFactory(PathPattern=f"/p{i}/*", TargetOriginId="origin-main") for i in range(100)
        )
        simulator.update_distribution(distribution_id, new, etag)
        assert len(simulator.get_distribution_config(distribution_id)[0]["CacheBehaviors"]["Items"]) == 100

    def test_it_rejects_an_alias_another_distribution_uses(self, simulator):
        simulator.create_distribution(with_aliases("www.example.com"))
        answer = simulator.create_distribution(with_aliases("shop.example.com"))
        distribution_id, etag = answer["Distribution"]["Id"], answer["ETag"]
        config = answer["Distribution"]["DistributionConfig"]
        new = copy.deepcopy(config)
        new["Aliases"] = quantity(["shop.example.com", "www.example.com"])

        with pytest.raises(BackendError) as error:
            simulator.update_distribution(distribution_id, new, etag)

        assert error.value.code == "CNAMEAlreadyExists"
        assert error.value.status == 409
        assert simulator.get_distribution_config(distribution_id) == (config, etag)

    def test_a_distribution_keeps_its_own_aliases(self, simulator):
        answer = simulator.create_distribution(with_aliases("www.example.com"))
        distribution_id = answer["Distribution"]["Id"]
        new = policy_changed(answer["Distribution"]["DistributionConfig"])
        simulator.update_distribution(distribution_id, new, answer["ETag"])
        assert cfg.aliases(simulator.get_distribution_config(distribution_id)[0]) == ["www.example.com"]


class TestDeployment:
    @pytest.fixture
    def slow(self, settings):
        settings.CONSOLE_SIMULATOR_DEPLOY_SECONDS = 60

    def test_with_no_delay_an_update_is_deployed_at_once(self, simulator, created):
        distribution_id, config, etag = created
        new = policy_changed(config)
        answer = simulator.update_distribution(distribution_id, new, etag)
        assert answer["Distribution"]["Status"] == "Deployed"
        assert simulator.deployed_config(distribution_id) == new

    def test_an_update_is_in_progress_until_the_delay_passes(self, simulator, created, slow):
        distribution_id, old, etag = created
        new = policy_changed(old)

        answer = simulator.update_distribution(distribution_id, new, etag)

        assert answer["Distribution"]["Status"] == "InProgress"
        assert simulator.get_distribution(distribution_id)["Distribution"]["Status"] == "InProgress"
        assert simulator.deployed_config(distribution_id) == old
        assert simulator.get_distribution_config(distribution_id)[0] == new

    def test_an_update_is_deployed_once_the_delay_has_passed(self, simulator, created, slow):
        distribution_id, old, etag = created
        new = policy_changed(old)
        answer = simulator.update_distribution(distribution_id, new, etag)

        expire_deployment(distribution_id)

        assert simulator.get_distribution(distribution_id)["Distribution"]["Status"] == "Deployed"
        assert simulator.deployed_config(distribution_id) == new
        assert simulator.get_distribution(distribution_id)["ETag"] == answer["ETag"]

    def test_the_deployed_config_completes_on_any_read(self, simulator, created, slow):
        distribution_id, old, etag = created
        new = policy_changed(old)
        simulator.update_distribution(distribution_id, new, etag)
        expire_deployment(distribution_id)
        assert simulator.deployed_config(distribution_id) == new

    def test_listing_reports_the_status(self, simulator, created, slow):
        distribution_id, old, etag = created
        simulator.update_distribution(distribution_id, policy_changed(old), etag)
        assert [s["Status"] for s in simulator.list_distributions()] == ["InProgress"]
        expire_deployment(distribution_id)
        assert [s["Status"] for s in simulator.list_distributions()] == ["Deployed"]

    def test_a_new_distribution_serves_nothing_until_deployed(self, simulator, slow):
        answer = simulator.create_distribution(distribution_config())
        distribution_id = answer["Distribution"]["Id"]
        assert answer["Distribution"]["Status"] == "InProgress"
        assert simulator.deployed_config(distribution_id) is None
        expire_deployment(distribution_id)
        assert simulator.deployed_config(distribution_id) == answer["Distribution"]["DistributionConfig"]

    def test_a_second_update_keeps_the_last_deployed_config(self, simulator, created, slow):
        distribution_id, old, etag = created
        first = simulator.update_distribution(distribution_id, policy_changed(old, "redirect-to-https"), etag)
        simulator.update_distribution(distribution_id, policy_changed(old, "https-only"), first["ETag"])
        assert simulator.deployed_config(distribution_id) == old


class TestFindByHost:
    def test_it_finds_a_distribution_by_its_domain_name(self, simulator, created):
        distribution_id = created[0]
        domain = simulator.get_distribution(distribution_id)["Distribution"]["DomainName"]
        assert simulator.find_by_host(domain).id == distribution_id

    @pytest.mark.parametrize("host", ["www.example.com", "WWW.Example.COM", "www.example.com."])
    def test_it_finds_a_distribution_by_its_alias(self, simulator, created, host):
        distribution_id = simulator.create_distribution(with_aliases("www.example.com"))["Distribution"]["Id"]
        assert simulator.find_by_host(host).id == distribution_id

    def test_it_tells_distributions_apart(self, simulator):
        shop = simulator.create_distribution(with_aliases("shop.example.com"))["Distribution"]["Id"]
        blog = simulator.create_distribution(with_aliases("blog.example.com"))["Distribution"]["Id"]
        assert simulator.find_by_host("shop.example.com").id == shop
        assert simulator.find_by_host("blog.example.com").id == blog

    @pytest.mark.parametrize("host", ["unknown.example.com", "d0000000000000.cloudfront.net", "", None])
    def test_an_unknown_host_is_no_such_distribution(self, simulator, created, host):
        with pytest.raises(NoSuchDistribution):
            simulator.find_by_host(host)

    def test_an_alias_is_served_only_once_deployed(self, simulator, settings):
        settings.CONSOLE_SIMULATOR_DEPLOY_SECONDS = 60
        distribution_id = simulator.create_distribution(with_aliases("www.example.com"))["Distribution"]["Id"]
        with pytest.raises(NoSuchDistribution):
            simulator.find_by_host("www.example.com")
        expire_deployment(distribution_id)
        assert simulator.find_by_host("www.example.com").id == distribution_id


class TestWithTheStaticSite:
    """The reference page's distribution, created and mirrored through the fixtures."""

    def test_a_console_edit_round_trips_through_the_simulator(self, simulator, static_site):
        config, etag = simulator.get_distribution_config(static_site.id)
        new = cfg.set_viewer_protocol_policy(config, ["/images/*", "/css/*", "*"], "redirect-to-https")

        answer = simulator.update_distribution(static_site.id, new, etag)

        assert answer["ETag"] != etag
        stored, _ = simulator.get_distribution_config(static_site.id)
        assert cfg.requires_https(stored)
        assert [change[0] for change in cfg.diff(config, stored)] == [
            "CacheBehaviors.Items[0].ViewerProtocolPolicy",
            "CacheBehaviors.Items[1].ViewerProtocolPolicy",
            "DefaultCacheBehavior.ViewerProtocolPolicy",
        ]

    def test_its_domain_name_reaches_it(self, simulator, static_site):
        assert simulator.find_by_host(static_site.domain_name).id == static_site.id

    def test_an_alias_of_one_distribution_cannot_join_another(self, simulator, make_distribution):
        make_distribution(aliases=["www.example.com"], ViewerCertificate=copy.deepcopy(ACM_CERTIFICATE))
        with pytest.raises(BackendError) as error:
            make_distribution(aliases=["www.example.com"], ViewerCertificate=copy.deepcopy(ACM_CERTIFICATE))
        assert error.value.code == "CNAMEAlreadyExists"

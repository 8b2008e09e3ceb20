/*
 * bench/bare.c: the "bare responder" baseline of `make bench`. A plain
 * libfcgi FCGX_Accept_r loop in N pre-forked workers that answers every
 * request with the same page document (2.4 KB, as rendered by the pages
 * trigger for a seeded bench page) and the headers statusd sends. It does
 * no parsing, no authentication and no database work: the ceiling that
 * nginx + FastCGI + libfcgi put on any responder on this machine.
 *
 *   bench-bare -s /path/to/bare.sock [-w 4]
 */
#include "prefork.h"

static const char page_doc[] =
    "{\"page\": {\"id\": \"063e67ae-06d3-444c-88e3-b125ebeb0bfa\", \"url\": \""
    "https://bench-1.status.localhost\", \"name\": \"Bench service 1 stat"
    "us\", \"domain\": null, \"cloudId\": \"11111111-2222-4333-8444-5555555"
    "55555\", \"colours\": {\"cssRedColor\": \"#de350b\", \"cssBlueColor\": \"#"
    "0065ff\", \"cssFontColor\": \"#172b4d\", \"cssLinkColor\": \"#0747a6\", \""
    "cssGraphColor\": \"#0065ff\", \"cssGreenColor\": \"#36b37e\", \"cssBorde"
    "rColor\": \"#dfe1e6\", \"cssNoDataColor\": \"#b3bac5\", \"cssOrangeColor"
    "\": \"#ff8b00\", \"cssYellowColor\": \"#ffab00\", \"cssLightFontColor\": "
    "\"#6b778c\", \"cssBodyBackgroundColor\": \"#ffffff\"}, \"version\": 2, \""
    "pageType\": \"PUBLIC\", \"timezone\": \"Europe/Berlin\", \"blackHole\": f"
    "alse, \"createdAt\": \"2026-11-25T06:35:56Z\", \"createdBy\": \"bench@e"
    "xample.com\", \"customCss\": null, \"deletedAt\": null, \"pageTheme\": "
    "\"CLASSIC\", \"seoConfig\": {\"title\": \"Bench service 1 status\", \"ena"
    "bled\": true, \"keywords\": \"status, uptime, incidents, service 1\","
    " \"description\": \"Live status of bench service 1\"}, \"subdomain\": "
    "\"bench-1\", \"updatedAt\": \"2026-11-26T05:35:56Z\", \"bodyConfig\": {\""
    "uptimeStyle\": \"DETAIL_CARD\", \"componentStyle\": \"CARD\", \"overallU"
    "ptimeRange\": 90, \"numberOfCardsPerRow\": 3, \"componentUptimeRange"
    "\": 90, \"overallUptimeDisplay\": true, \"enableSearchAndFilter\": fa"
    "lse, \"componentUptimeDisplay\": true}, \"components\": [], \"footerD"
    "ata\": {\"links\": [{\"url\": \"https://www.example.com/legal/terms\", "
    "\"label\": \"Terms\"}], \"footerText\": \"Subscribe to get notified of "
    "incidents.\", \"footerLogoId\": null, \"copyrightText\": \"(c) 2026 Ex"
    "ample Corp.\"}, \"headerData\": {\"links\": [], \"headerText\": \"Bench "
    "service 1\", \"coverImageId\": null, \"headerLogoId\": null, \"favicon"
    "IconId\": null, \"coverImageImmersive\": false}, \"pageStatus\": \"PUB"
    "LISHED\", \"description\": \"Current status, scheduled maintenance a"
    "nd incident history for bench service 1 and its public APIs.\", \""
    "activityScore\": 0, \"helpCenterUrl\": \"https://support.example.com"
    "/hc/service-1\", \"pageThemeMode\": \"LIGHT\", \"unpublishedAt\": null,"
    " \"customFooterHtml\": null, \"customHeaderHtml\": null, \"externalAc"
    "counts\": [], \"hiddenFromSearch\": false, \"privacyPolicyUrl\": \"htt"
    "ps://www.example.com/legal/privacy\", \"allowRssAtomFields\": true,"
    " \"customDomainConfig\": {\"domain\": null, \"sslStatus\": \"NOT_CONFIG"
    "URED\", \"recordTypes\": [], \"certificateExpiresAt\": null}, \"status"
    "EmbedEnabled\": false, \"allowPageSubscribers\": true, \"googleAnaly"
    "ticsEnabled\": false, \"googleAnalyticsTrackingId\": null}}";

static int
serve(int listen_fd, const struct bench_opts *o)
{
	FCGX_Request r;

	(void)o;
	if (FCGX_Init() != 0 || FCGX_InitRequest(&r, listen_fd, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&r) >= 0) {
		bench_respond(&r, 200, "OK", page_doc, sizeof(page_doc) - 1);
		FCGX_Finish_r(&r);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	return bench_main(argc, argv, 0, serve);
}

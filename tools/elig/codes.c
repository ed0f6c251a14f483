/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Our error codes (docs/eligibility-protocol.md §7) and the OQS business
 * code tables (業務コード OQSCDnnn, qualification-domain.md §2.7) the
 * client shows in Japanese.  Sorted by code for reading, searched
 * linearly: the tables are small.
 */
#include "config.h"

#include <string.h>

#include "elig.h"

static const struct elig_error errors[] = {
    { "REF-E001", 200,
      "no person is registered for this certificate or "
      "insurance data" },
    { "REF-E003", 200,
      "the person's records are withheld pending the "
      "insurer's correction" },
    { "REF-E100", 400, "the body is not valid JSON or JWS" },
    { "REF-E101", 400, "a member is missing, malformed or not allowed" },
    { "REF-E102", 400, "a check digit is wrong" },
    { "REF-E103", 413, "the request body is too large" },
    { "REF-E104", 415, "unsupported Content-Type" },
    { "REF-E105", 404, "no such resource or method" },
    { "REF-E106", 431, "the request header is too large" },
    { "REF-E110", 400, "the JWS header is malformed" },
    { "REF-E111", 400, "the JWS algorithm is not RS256" },
    { "REF-E112", 401, "the signature does not verify" },
    { "REF-E113", 401,
      "the certificate is not from a trusted JPKI "
      "authentication CA" },
    { "REF-E114", 401, "the certificate is expired or not yet valid" },
    { "REF-E115", 401, "the certificate is revoked" },
    { "REF-E116", 503, "the certificate's revocation status is unknown" },
    { "REF-E117", 401,
      "the certificate is not a user-authentication "
      "certificate" },
    { "REF-E120", 401, "the nonce is unknown or expired" },
    { "REF-E121", 401, "the nonce was already used" },
    { "REF-E122", 401,
      "the request's time is too far from the service "
      "clock" },
    { "REF-E123", 403,
      "this terminal may not query for this medical "
      "institution code" },
    { "REF-E130", 403, "a terminal client certificate is required" },
    { "REF-E140", 400, "a My Number must not be sent" },
    { "REF-E150", 503, "the service is busy" },
    { "REF-E199", 500, "internal error" },
    { "REF-W001", 200, "the card's certificate expires within 3 months" },
};

const struct elig_error *
elig_error_find(const char *code)
{
    size_t i;

    if (code == NULL)
        return NULL;
    for (i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
        if (strcmp(errors[i].code, code) == 0)
            return &errors[i];
    return NULL;
}

struct label {
    int table;
    const char *code;
    const char *label;
};

/* qualification-domain.md §2.7 (sources [C1][C8][C8b]) */
static const struct label labels[] = {
    { 1, "0", "未同意" },
    { 1, "1", "同意" },
    { 2, "1", "マイナンバーカード" },
    { 2, "2", "被保険者証情報" },
    { 3, "1", "正常終了" },
    { 3, "2", "処理中" },
    { 3, "9", "異常終了" },
    { 4, "1", "正常終了" },
    { 4, "2", "エラー" },
    { 6, "1", "有効" },
    { 6, "2", "無効" },
    { 6, "3", "無効（新しい資格あり）" },
    { 6, "4", "該当資格なし" },
    { 6, "5", "複数該当" },
    { 6, "6", "有効（未登録）" },
    { 7, "1", "男" },
    { 7, "2", "女" },
    { 7, "3", "未設定" },
    { 8, "01", "死亡" },
    { 8, "02", "生活保護受給開始" },
    { 8, "03", "医療保険等の資格取得" },
    { 8, "99", "その他" },
    { 9, "1", "本人" },
    { 9, "2", "家族" },
    { 10, "01", "被保険者証（一般）" },
    { 10, "02", "被保険者証（退職）" },
    { 10, "03", "短期被保険者証（一般）" },
    { 10, "04", "短期被保険者証（退職）" },
    { 10, "05", "被保険者資格証明書" },
    { 10, "06", "特例退職被保険者証" },
    { 10, "07", "自衛官診療証" },
    { 10, "A1", "医療扶助" },
    { 15, "1", "未就学該当" },
};

const char *
elig_code_label(int table, const char *code)
{
    size_t i;

    if (code == NULL)
        return NULL;
    for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
        if (labels[i].table == table && strcmp(labels[i].code, code) == 0)
            return labels[i].label;
    return NULL;
}

#!/usr/bin/env bash
# Create or update Sight's secrets in Google Secret Manager and let the Cloud Run
# service account read them. Safe to run again: a secret whose value is unchanged
# gets no new version, and SECRET_KEY is generated only when it does not exist yet
# (rotating it would sign every user out).
#
# Usage:
#   GOOGLE_API_KEY=... NEO4J_URI=neo4j+s://xxxx.databases.neo4j.io \
#   NEO4J_PASSWORD=... REDIS_URL=rediss://default:...@xxxx.upstash.io:6379 \
#   POSTGRES_PASSWORD=... \
#   deploy/scripts/setup-gcp-secrets.sh --project my-project [--region europe-central2] \
#       [--instance sight] [--db-user sight] [--db-name sight] \
#       [--service-account sight-run@my-project.iam.gserviceaccount.com] [--dry-run]
#
# Values come from the environment, never from arguments (arguments end up in
# shell history and process lists). A value left unset keeps the existing secret;
# it is an error only when the secret does not exist yet. SECRET_KEY may be given
# to set it explicitly; otherwise `openssl rand -hex 32` creates it once.
# DATABASE_URL_CLOUD is built from POSTGRES_PASSWORD for the Cloud SQL unix socket:
#   postgresql://USER:PASSWORD@/DB?host=/cloudsql/PROJECT:REGION:INSTANCE
#
# --dry-run prints the gcloud commands instead of running them (values masked) and
# calls nothing.

set -euo pipefail

readonly SECRETS=(GOOGLE_API_KEY NEO4J_URI NEO4J_PASSWORD REDIS_URL
                  DATABASE_URL_CLOUD POSTGRES_PASSWORD SECRET_KEY)

project="${GOOGLE_CLOUD_PROJECT:-}"
region="europe-central2"
instance="sight"
db_user="sight"
db_name="sight"
service_account=""
dry_run=false

usage() {
    sed -n '2,/^$/s/^# \{0,1\}//p' "$0" >&2
    exit "${1:-2}"
}

die() {
    echo "error: $*" >&2
    exit 1
}

while [[ $# -gt 0 ]]; do
    case "$1" in
        --project) project="${2:?--project needs a value}"; shift 2 ;;
        --region) region="${2:?--region needs a value}"; shift 2 ;;
        --instance) instance="${2:?--instance needs a value}"; shift 2 ;;
        --db-user) db_user="${2:?--db-user needs a value}"; shift 2 ;;
        --db-name) db_name="${2:?--db-name needs a value}"; shift 2 ;;
        --service-account) service_account="${2:?--service-account needs a value}"; shift 2 ;;
        --dry-run) dry_run=true; shift ;;
        -h|--help) usage 0 ;;
        *) echo "unknown argument: $1" >&2; usage 2 ;;
    esac
done

[[ -n "${project}" ]] || die "--project is required (or set GOOGLE_CLOUD_PROJECT)"
[[ "${project}" =~ ^[a-z][a-z0-9-]{4,28}[a-z0-9]$ ]] || die "not a project id: ${project}"
service_account="${service_account:-sight-run@${project}.iam.gserviceaccount.com}"
if [[ "${dry_run}" == false ]]; then
    command -v gcloud >/dev/null || die "gcloud not found (install the Google Cloud SDK, or use --dry-run)"
fi
connection_name="${project}:${region}:${instance}"

# Print a command in a form that can be pasted into a shell.
show() {
    local quoted
    printf -v quoted ' %q' "$@"
    echo "+${quoted}"
}

# Run gcloud, or in dry-run mode only show it. Never used for commands whose
# arguments contain a secret value: those go through stdin (put_value).
run() {
    show gcloud "$@" --project="${project}"
    if [[ "${dry_run}" == false ]]; then
        gcloud "$@" --project="${project}"
    fi
}

secret_exists() {
    [[ "${dry_run}" == false ]] \
        && gcloud secrets describe "$1" --project="${project}" >/dev/null 2>&1
}

current_value() {
    gcloud secrets versions access latest --secret="$1" --project="${project}" 2>/dev/null
}

# show_piped COMMAND...: show `printf <masked> | gcloud COMMAND...`.
show_piped() {
    local shown
    shown="$(show gcloud "$@" --project="${project}")"
    echo "+ printf '%s' '********' |${shown#+}"
}

# put_value NAME VALUE: create the secret, or add a version when the value changed.
# The value is passed on stdin, so it never appears in argv or in the output.
put_value() {
    local name="$1" value="$2"
    local create=(secrets create "${name}" --replication-policy=automatic --data-file=-)
    local add=(secrets versions add "${name}" --data-file=-)
    if [[ "${dry_run}" == true ]]; then
        echo "${name}: create it, or add a version if it exists with another value"
        show_piped "${create[@]}"
        show_piped "${add[@]}"
        return
    fi
    if ! secret_exists "${name}"; then
        echo "${name}: create"
        show_piped "${create[@]}"
        printf '%s' "${value}" | gcloud "${create[@]}" --project="${project}" >/dev/null
    elif [[ "$(current_value "${name}" || true)" == "${value}" ]]; then
        echo "${name}: unchanged"
    else
        echo "${name}: new version"
        show_piped "${add[@]}"
        printf '%s' "${value}" | gcloud "${add[@]}" --project="${project}" >/dev/null
    fi
}

# Percent-encode a value for the user-info part of a URL.
urlencode() {
    # Byte by byte, so non-ASCII characters become their UTF-8 %XX sequences.
    local LC_ALL=C
    local input="$1" output="" char i
    for ((i = 0; i < ${#input}; i++)); do
        char="${input:i:1}"
        case "${char}" in
            [a-zA-Z0-9.~_-]) output+="${char}" ;;
            *) printf -v char '%%%02X' "'${char}"; output+="${char}" ;;
        esac
    done
    printf '%s' "${output}"
}

echo "Project ${project}, Cloud SQL ${connection_name}, service account ${service_account}"
[[ "${dry_run}" == true ]] && echo "(dry run: nothing is changed, no gcloud command is run)"

run services enable secretmanager.googleapis.com

# Values for every secret; empty means "keep the existing one".
declare -A values=(
    [GOOGLE_API_KEY]="${GOOGLE_API_KEY:-}"
    [NEO4J_URI]="${NEO4J_URI:-}"
    [NEO4J_PASSWORD]="${NEO4J_PASSWORD:-}"
    [REDIS_URL]="${REDIS_URL:-}"
    [POSTGRES_PASSWORD]="${POSTGRES_PASSWORD:-}"
    [SECRET_KEY]="${SECRET_KEY:-}"
    [DATABASE_URL_CLOUD]=""
)

if [[ -n "${values[NEO4J_URI]}" && ! "${values[NEO4J_URI]}" =~ ^(neo4j|neo4j\+s|neo4j\+ssc|bolt|bolt\+s|bolt\+ssc):// ]]; then
    die "NEO4J_URI must start with neo4j://, neo4j+s://, bolt:// or bolt+s:// (AuraDB: neo4j+s://)"
fi
if [[ -n "${values[REDIS_URL]}" && ! "${values[REDIS_URL]}" =~ ^rediss?:// ]]; then
    die "REDIS_URL must start with redis:// or rediss:// (Upstash: rediss://)"
fi
if [[ -n "${values[SECRET_KEY]}" && ${#values[SECRET_KEY]} -lt 32 ]]; then
    die "SECRET_KEY must be at least 32 characters"
fi

# SECRET_KEY: generated once, then kept.
secret_key_generated=false
if [[ -z "${values[SECRET_KEY]}" ]] && ! secret_exists SECRET_KEY; then
    if command -v openssl >/dev/null; then
        values[SECRET_KEY]="$(openssl rand -hex 32)"
    else
        # Same 32 random bytes as hex, for machines without the openssl CLI.
        values[SECRET_KEY]="$(head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n')"
    fi
    secret_key_generated=true
fi

# DATABASE_URL_CLOUD follows POSTGRES_PASSWORD (given now or already stored).
db_password="${values[POSTGRES_PASSWORD]}"
if [[ -z "${db_password}" ]] && secret_exists POSTGRES_PASSWORD; then
    db_password="$(current_value POSTGRES_PASSWORD)"
fi
if [[ -n "${db_password}" ]]; then
    values[DATABASE_URL_CLOUD]="postgresql://$(urlencode "${db_user}"):$(urlencode "${db_password}")@/${db_name}?host=/cloudsql/${connection_name}"
fi

missing=()
for name in "${SECRETS[@]}"; do
    if [[ -z "${values[${name}]}" ]] && ! secret_exists "${name}"; then
        missing+=("${name}")
    fi
done
if [[ "${dry_run}" == false && ${#missing[@]} -gt 0 ]]; then
    die "no value for new secret(s): ${missing[*]} (set them in the environment)"
fi

for name in "${SECRETS[@]}"; do
    if [[ "${name}" == SECRET_KEY && "${secret_key_generated}" == true && "${dry_run}" == true ]]; then
        echo "SECRET_KEY: generated (openssl rand -hex 32) if it does not exist, otherwise kept"
        show_piped secrets create SECRET_KEY --replication-policy=automatic --data-file=-
    elif [[ -n "${values[${name}]}" ]]; then
        put_value "${name}" "${values[${name}]}"
    elif [[ "${dry_run}" == true ]]; then
        echo "${name}: no value given: kept if it exists, an error if it does not"
    else
        echo "${name}: kept (no value given)"
    fi
done

for name in "${SECRETS[@]}"; do
    run secrets add-iam-policy-binding "${name}" \
        --member="serviceAccount:${service_account}" \
        --role=roles/secretmanager.secretAccessor \
        --condition=None --quiet
done

echo "Done: ${#SECRETS[@]} secrets readable by ${service_account}"

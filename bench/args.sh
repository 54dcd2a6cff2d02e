# Shared by the bench scripts that keep their files on request (sourced
# after the script defines usage()): sets keep from --keep, answers -h/--help.
# shellcheck shell=bash
keep=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --keep) keep=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "$0: unknown argument: $1" >&2; usage >&2; exit 64 ;;
  esac
  shift
done

a=$1; shift
local b="${1:-x}" && shift 2
c=${1}
# d=$1
./configure --"$c"-live-block-ops

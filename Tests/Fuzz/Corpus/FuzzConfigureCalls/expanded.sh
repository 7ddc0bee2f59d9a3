buildarch="x86_64-softmmu"
cd build-x86_64 && CFLAGS="-O2" ../configure --prefix=/usr \
    --target-list="$buildarch" --enable-live-block-ops 2>&1 | tee log
if true; then sh /x/SOURCES/build_configure.sh "a" b enable; fi

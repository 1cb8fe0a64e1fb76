{
  "targets": [
    {
      "target_name": "listenconfig",
      "sources": [
        "src-native/acceptor.cc",
        "src-native/addon.cc",
        "src-native/glue.cc",
        "src-native/js_acceptor.cc",
        "src-native/js_watcher.cc",
        "src-native/poller.cc",
        "src-native/posix.cc",
        "src-native/sockaddr.cc",
        "src-native/win.cc"
      ],
      "conditions": [
        ["OS=='win'", { "libraries": ["ws2_32.lib", "iphlpapi.lib"] }]
      ],
      "defines": ["NAPI_VERSION=8"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LIBRARY": "libc++",
        "MACOSX_DEPLOYMENT_TARGET": "10.15"
      },
      "msvs_settings": {
        "VCCLCompilerTool": { "ExceptionHandling": 1 }
      }
    }
  ]
}

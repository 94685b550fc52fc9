// Captured byte for byte from the reference kits (startup-kits.md §6 and the §9 hashes); this is
// runtime configuration data, not prose. Regenerate from a reference kit rather than editing by hand.

/** `local/authorization.json.default` of server and client kits (constant). */
export const AUTHORIZATION_JSON_DEFAULT = `{
  "format_version": "1.0",
  "permissions": {
    "project_admin": "any",
    "org_admin": {
      "submit_job": "none",
      "clone_job": "none",
      "manage_job": "o:submitter",
      "download_job": "o:submitter",
      "view": "any",
      "operate": "o:site",
      "shell_commands": "o:site",
      "byoc": "none",
      "server-predeployed-flwr": "none"
    },
    "lead": {
      "submit_job": "any",
      "clone_job": "n:submitter",
      "manage_job": "n:submitter",
      "download_job": "n:submitter",
      "view": "any",
      "operate": "o:site",
      "shell_commands": "o:site",
      "byoc": "any",
      "server-predeployed-flwr": "none"
    },
    "member": {
      "view": "any"
    }
  }
}
`;

/** `local/log_config.json.default` of server and client kits (constant). */
export const LOG_CONFIG_JSON_DEFAULT = `{
    "version": 1,
    "disable_existing_loggers": false,
    "formatters": {
        "baseFormatter": {
            "()": "nvflare.fuel.utils.log_utils.BaseFormatter",
            "fmt": "%(asctime)s - %(name)s - %(levelname)s - %(fl_ctx)s - %(message)s"
        },
        "consoleFormatter": {
            "()": "nvflare.fuel.utils.log_utils.ColorFormatter",
            "fmt": "%(asctime)s - %(name)s - %(levelname)s - %(fl_ctx)s - %(message)s"
        },
        "jsonFormatter": {
            "()": "nvflare.fuel.utils.log_utils.JsonFormatter",
            "fmt": "%(asctime)s - %(name)s - %(fullName)s - %(levelname)s - %(fl_ctx)s - %(message)s"
        }
    },
    "filters": {
        "FLFilter": {
            "()": "nvflare.fuel.utils.log_utils.LoggerNameFilter",
            "logger_names": ["custom", "nvflare.app_common", "nvflare.app_opt"]
        }
    },
    "handlers": {
        "consoleHandler": {
            "class": "logging.StreamHandler",
            "level": "DEBUG",
            "formatter": "consoleFormatter",
            "filters": [],
            "stream": "ext://sys.stdout"
        },
        "logFileHandler": {
            "class": "logging.handlers.RotatingFileHandler",
            "level": "DEBUG",
            "formatter": "baseFormatter",
            "filename": "log.txt",
            "mode": "a",
            "maxBytes": 20971520,
            "backupCount": 10
        },
        "errorFileHandler": {
            "class": "logging.handlers.RotatingFileHandler",
            "level": "ERROR",
            "formatter": "baseFormatter",
            "filename": "error_log.txt",
            "mode": "a",
            "maxBytes": 20971520,
            "backupCount": 10
        },
        "jsonFileHandler": {
            "class": "logging.handlers.RotatingFileHandler",
            "level": "DEBUG",
            "formatter": "jsonFormatter",
            "filename": "log.json",
            "mode": "a",
            "maxBytes": 20971520,
            "backupCount": 10
        },
        "FLFileHandler": {
            "class": "logging.handlers.RotatingFileHandler",
            "level": "DEBUG",
            "formatter": "baseFormatter",
            "filters": ["FLFilter"],
            "filename": "log_fl.txt",
            "mode": "a",
            "maxBytes": 20971520,
            "backupCount": 10,
            "delay": true
        }
    },
    "loggers": {
        "root": {
            "level": "INFO",
            "handlers": ["consoleHandler", "logFileHandler", "errorFileHandler", "jsonFileHandler", "FLFileHandler"]
        }
    }
}
`;

/** `local/privacy.json.sample` of server and client kits (constant). */
export const PRIVACY_JSON_SAMPLE = `{
  "scopes": [
    {
      "name": "public",
      "properties": {
        "train_dataset": "/data/public/train",
        "val_dataset": "/data/public/val"
      },
      "task_result_filters": [
        {
          "name": "AddNoiseToMinMax",
          "args": {
            "min_noise_level": 0.2,
            "max_noise_level": 0.2
          }
        },
        {
          "name": "PercentilePrivacy",
          "args": {
            "percentile": 10,
            "gamma": 0.02
          }
        }
      ],
      "task_data_filters": [
        {
          "name": "BadModelDetector"
        }
      ]
    },
    {
      "name": "private",
      "properties": {
        "train_dataset": "/data/private/train",
        "val_dataset": "/data/private/val"
      },
      "task_result_filters": [
        {
          "name": "AddNoiseToMinMax",
          "args": {
            "min_noise_level": 0.1,
            "max_noise_level": 0.1
          }
        },
        {
          "name": "SVTPrivacy",
          "args": {
            "fraction": 0.1,
            "epsilon": 0.2
          }
        }
      ]
    }
  ],
  "default_scope": "public"
}
`;

/** `local/resources.json.default` of admin kits (constant). */
export const ADMIN_RESOURCES_JSON_DEFAULT = `{
  "format_version": 1,
  "admin": {
    "idle_timeout": 900.0,
    "login_timeout": 10.0,
    "with_debug": false,
    "authenticate_msg_timeout": 2.0,
    "prompt": "> "
  }
}
`;

/** Server `local/resources.json.default`; `{{class_allow_list}}` marks where the allow list goes. */
export const SERVER_RESOURCES_TEMPLATE = `{
    "format_version": 2,
    "class_list_enforcement_mode": "enforce",
    "class_allow_list": {{class_allow_list}},
    "servers": [
        {
            "admin_storage": "transfer",
            "max_num_clients": 100,
            "heart_beat_timeout": 600,
            "download_job_url": "http://download.server.com/",
            "admin_timeout": 10.0
        }
    ],
    "snapshot_persistor": {
        "path": "nvflare.app_common.state_persistors.storage_state_persistor.StorageStatePersistor",
        "args": {
            "uri_root": "/",
            "storage": {
                "path": "nvflare.app_common.storages.filesystem_storage.FilesystemStorage",
                "args": {
                    "root_dir": "/tmp/nvflare/snapshot-storage",
                    "uri_root": "/"
                }
            }
        }
    },
    "components": [
        {
            "id": "job_scheduler",
            "path": "nvflare.app_common.job_schedulers.job_scheduler.DefaultJobScheduler",
            "args": {
                "max_jobs": 4
            }
        },
        {
            "id": "job_manager",
            "path": "nvflare.apis.impl.job_def_manager.SimpleJobDefManager",
            "args": {
                "uri_root": "/tmp/nvflare/jobs-storage",
                "job_store_id": "job_store"
            }
        },
        {
            "id": "job_store",
            "path": "nvflare.app_common.storages.filesystem_storage.FilesystemStorage"
        },
        {
            "id": "process_launcher",
            "path": "nvflare.app_common.job_launcher.server_process_launcher.ServerProcessJobLauncher",
            "args": {}
        },
        {
            "id": "log_receiver",
            "path": "nvflare.app_common.logging.job_log_receiver.JobLogReceiver",
            "args": {}
        }
    ]
}
`;

/** Client `local/resources.json.default`; `{{...}}` marks the allow list, log streaming flag and GPU capacity. */
export const CLIENT_RESOURCES_TEMPLATE = `{
  "format_version": 2,
  "class_list_enforcement_mode": "enforce",
  "class_allow_list": {{class_allow_list}},
  "allow_log_streaming": {{allow_log_streaming}},
  "client": {
    "retry_timeout": 30,
    "compression": "Gzip"
  },
  "components": [
    {
      "id": "resource_manager",
      "path": "nvflare.app_common.resource_managers.gpu_resource_manager.GPUResourceManager",
      "args": {
        "num_of_gpus": {{num_of_gpus}},
        "mem_per_gpu_in_GiB": {{mem_per_gpu_in_GiB}},
        "expiration_period": 300
      }
    },
    {
      "id": "resource_consumer",
      "path": "nvflare.app_common.resource_consumers.gpu_resource_consumer.GPUResourceConsumer",
      "args": {}
    },
    {
      "id": "process_launcher",
      "path": "nvflare.app_common.job_launcher.client_process_launcher.ClientProcessJobLauncher",
      "args": {}
    },
    {
        "id": "site_log_streamer",
        "path": "nvflare.app_common.logging.site_log_streamer.SiteLogStreamer",
        "args": {
          "log_file_name": "error_log.txt"
        }
    }
  ]
}
`;
